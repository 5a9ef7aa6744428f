CREATE TABLE `settings` (
	`key` text PRIMARY KEY NOT NULL,
	`value` text NOT NULL,
	`updated_at` integer NOT NULL
);
--> statement-breakpoint
CREATE TABLE `allowance_usage` (
	`item_row_id` integer NOT NULL,
	`license_year` integer NOT NULL,
	`used` integer DEFAULT 0 NOT NULL,
	PRIMARY KEY(`item_row_id`, `license_year`),
	FOREIGN KEY (`item_row_id`) REFERENCES `license_items`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE TABLE `authorization_counts` (
	`code` text NOT NULL,
	`slot` integer NOT NULL,
	`granted` integer DEFAULT 0 NOT NULL,
	`refused` integer DEFAULT 0 NOT NULL,
	PRIMARY KEY(`code`, `slot`)
);
--> statement-breakpoint
CREATE TABLE `concurrent_seats` (
	`item_row_id` integer NOT NULL,
	`slot` integer NOT NULL,
	`device_uuid` text NOT NULL,
	`instances` integer NOT NULL,
	`over_allowance` integer DEFAULT false NOT NULL,
	PRIMARY KEY(`item_row_id`, `slot`, `device_uuid`),
	FOREIGN KEY (`item_row_id`) REFERENCES `license_items`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE TABLE `grants` (
	`code_id` integer NOT NULL,
	`item_row_id` integer NOT NULL,
	`device_uuid` text NOT NULL,
	`first_granted_at` integer NOT NULL,
	`last_granted_at` integer NOT NULL,
	PRIMARY KEY(`code_id`, `item_row_id`, `device_uuid`),
	FOREIGN KEY (`code_id`) REFERENCES `handshake_codes`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`item_row_id`) REFERENCES `license_items`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE INDEX `grants_item` ON `grants` (`item_row_id`);--> statement-breakpoint
CREATE TABLE `item_counters` (
	`item_row_id` integer PRIMARY KEY NOT NULL,
	`consumed` integer DEFAULT 0 NOT NULL,
	FOREIGN KEY (`item_row_id`) REFERENCES `license_items`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE TABLE `item_devices` (
	`item_row_id` integer NOT NULL,
	`device_uuid` text NOT NULL,
	`device_name` text,
	`first_seen_at` integer NOT NULL,
	`last_seen_at` integer NOT NULL,
	`active_until` integer NOT NULL,
	`released_at` integer,
	PRIMARY KEY(`item_row_id`, `device_uuid`),
	FOREIGN KEY (`item_row_id`) REFERENCES `license_items`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE INDEX `item_devices_active` ON `item_devices` (`item_row_id`,`active_until`);--> statement-breakpoint
CREATE TABLE `item_domains` (
	`item_row_id` integer NOT NULL,
	`domain` text NOT NULL,
	`first_seen_at` integer NOT NULL,
	`last_seen_at` integer NOT NULL,
	PRIMARY KEY(`item_row_id`, `domain`),
	FOREIGN KEY (`item_row_id`) REFERENCES `license_items`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE INDEX `item_domains_last_seen` ON `item_domains` (`item_row_id`,`last_seen_at`);--> statement-breakpoint
CREATE TABLE `reports` (
	`device_uuid` text NOT NULL,
	`report_id` text NOT NULL,
	`records_hash` text NOT NULL,
	`response` text NOT NULL,
	`http_status` integer NOT NULL,
	`received_at` integer NOT NULL,
	PRIMARY KEY(`device_uuid`, `report_id`)
);
--> statement-breakpoint
CREATE INDEX `reports_received` ON `reports` (`received_at`);--> statement-breakpoint
CREATE TABLE `usage_records` (
	`item_row_id` integer NOT NULL,
	`code_id` integer NOT NULL,
	`slot` integer NOT NULL,
	`name` text NOT NULL,
	`count` integer NOT NULL,
	PRIMARY KEY(`item_row_id`, `code_id`, `slot`, `name`),
	FOREIGN KEY (`item_row_id`) REFERENCES `license_items`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`code_id`) REFERENCES `handshake_codes`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
ALTER TABLE `handshake_codes` ADD `session_password_enc` text;--> statement-breakpoint
ALTER TABLE `handshake_codes` ADD `session_password_mac` text;--> statement-breakpoint
ALTER TABLE `handshake_codes` ADD `validation_domains` text DEFAULT '[]' NOT NULL;--> statement-breakpoint
ALTER TABLE `handshake_codes` ADD `validation_app_ids` text DEFAULT '[]' NOT NULL;--> statement-breakpoint
ALTER TABLE `handshake_codes` ADD `validation_process_names` text DEFAULT '[]' NOT NULL;--> statement-breakpoint
ALTER TABLE `handshake_codes` ADD `custom_order` integer DEFAULT false NOT NULL;--> statement-breakpoint
ALTER TABLE `handshake_codes` ADD `updated_at` integer DEFAULT 0 NOT NULL;