CREATE TABLE `authorization_rollups` (
	`code` text NOT NULL,
	`period` text NOT NULL,
	`bucket` integer NOT NULL,
	`result` integer NOT NULL,
	`count` integer NOT NULL,
	PRIMARY KEY(`code`, `period`, `bucket`, `result`)
);
--> statement-breakpoint
CREATE TABLE `code_rollups` (
	`code_id` integer NOT NULL,
	`item_row_id` integer NOT NULL,
	`period` text NOT NULL,
	`bucket` integer NOT NULL,
	`metric` text NOT NULL,
	`name` text DEFAULT '' NOT NULL,
	`value` integer NOT NULL,
	PRIMARY KEY(`code_id`, `period`, `bucket`, `item_row_id`, `metric`, `name`),
	FOREIGN KEY (`code_id`) REFERENCES `handshake_codes`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`item_row_id`) REFERENCES `license_items`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE TABLE `item_rollups` (
	`item_row_id` integer NOT NULL,
	`period` text NOT NULL,
	`bucket` integer NOT NULL,
	`metric` text NOT NULL,
	`name` text DEFAULT '' NOT NULL,
	`value` integer NOT NULL,
	PRIMARY KEY(`item_row_id`, `period`, `bucket`, `metric`, `name`),
	FOREIGN KEY (`item_row_id`) REFERENCES `license_items`(`id`) ON UPDATE no action ON DELETE cascade
);
