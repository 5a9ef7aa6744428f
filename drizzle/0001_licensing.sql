CREATE TABLE `handshake_code_items` (
	`code_id` integer NOT NULL,
	`item_row_id` integer NOT NULL,
	`position` integer NOT NULL,
	PRIMARY KEY(`code_id`, `item_row_id`),
	FOREIGN KEY (`code_id`) REFERENCES `handshake_codes`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`item_row_id`) REFERENCES `license_items`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE INDEX `handshake_code_items_item` ON `handshake_code_items` (`item_row_id`);--> statement-breakpoint
CREATE TABLE `handshake_codes` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`code` text NOT NULL,
	`organization_id` text NOT NULL,
	`suffix` text NOT NULL,
	`name` text NOT NULL,
	`is_default` integer NOT NULL,
	`enabled` integer DEFAULT true NOT NULL,
	`created_at` integer NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `handshake_codes_code` ON `handshake_codes` (`code`);--> statement-breakpoint
CREATE UNIQUE INDEX `handshake_codes_one_default` ON `handshake_codes` (`organization_id`) WHERE "handshake_codes"."is_default" = 1;--> statement-breakpoint
CREATE TABLE `license_items` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`license_row_id` integer NOT NULL,
	`item_id` text NOT NULL,
	`issuer_kid` text NOT NULL,
	`description` text NOT NULL,
	`product` text NOT NULL,
	`version` integer NOT NULL,
	`edition` text NOT NULL,
	`deployment_types` text NOT NULL,
	`charge_way` text NOT NULL,
	`quantity` integer NOT NULL,
	`window_days` integer,
	`starts_at` integer NOT NULL,
	`expires_at` integer NOT NULL,
	`grace_days` integer NOT NULL,
	`modules` text NOT NULL,
	`revoked_at` integer,
	FOREIGN KEY (`license_row_id`) REFERENCES `licenses`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE UNIQUE INDEX `license_items_issuer_item` ON `license_items` (`issuer_kid`,`item_id`);--> statement-breakpoint
CREATE INDEX `license_items_license` ON `license_items` (`license_row_id`);--> statement-breakpoint
CREATE TABLE `licenses` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`license_id` text NOT NULL,
	`issuer_kid` text NOT NULL,
	`demo_issuer` integer NOT NULL,
	`alias` text NOT NULL,
	`organization_id` text NOT NULL,
	`licensee` text NOT NULL,
	`bound_uuids` text NOT NULL,
	`issued_at` integer NOT NULL,
	`activated_at` integer NOT NULL,
	`payload_sha256` text NOT NULL,
	`file_text` text NOT NULL,
	`imported_at` integer NOT NULL,
	`updated_at` integer NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `licenses_issuer_license` ON `licenses` (`issuer_kid`,`license_id`);--> statement-breakpoint
CREATE INDEX `licenses_organization` ON `licenses` (`organization_id`);--> statement-breakpoint
CREATE TABLE `machine_identity` (
	`id` integer PRIMARY KEY NOT NULL,
	`uuid` text NOT NULL,
	`labels` text NOT NULL,
	`label_digests` text NOT NULL,
	`custom_id_file` text,
	`updated_at` integer NOT NULL,
	CONSTRAINT "machine_identity_single_row" CHECK("machine_identity"."id" = 1)
);
