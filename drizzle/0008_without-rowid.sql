-- item_devices and grants become WITHOUT ROWID tables: a lookup by their primary key (item, device)
-- or (code, device, item) — on every authorize and report — reads one b-tree, not the key's index
-- and then the table. grants' key puts the device before the item, so "does this device hold any
-- grant of the code" is a prefix of it (code_counters, 0010). At a million devices each was a second random page (scripts/bench-scale.ts).
-- drizzle's schema cannot say WITHOUT ROWID: src/db/schema/usage.ts notes it, and
-- test/unit/upgrade.test.ts checks the tables stay so.
CREATE TABLE `item_devices_new` (
	`item_row_id` integer NOT NULL,
	`device_uuid` text NOT NULL,
	`device_name` text,
	`first_seen_at` integer NOT NULL,
	`last_seen_at` integer NOT NULL,
	`active_until` integer NOT NULL,
	`released_at` integer,
	`counted` integer DEFAULT false NOT NULL,
	PRIMARY KEY(`item_row_id`, `device_uuid`),
	FOREIGN KEY (`item_row_id`) REFERENCES `license_items`(`id`) ON UPDATE no action ON DELETE cascade
) WITHOUT ROWID;
--> statement-breakpoint
INSERT INTO `item_devices_new` (`item_row_id`, `device_uuid`, `device_name`, `first_seen_at`, `last_seen_at`, `active_until`, `released_at`, `counted`)
  SELECT `item_row_id`, `device_uuid`, `device_name`, `first_seen_at`, `last_seen_at`, `active_until`, `released_at`, `counted` FROM `item_devices`;
--> statement-breakpoint
DROP TABLE `item_devices`;
--> statement-breakpoint
ALTER TABLE `item_devices_new` RENAME TO `item_devices`;
--> statement-breakpoint
CREATE INDEX `item_devices_last_seen` ON `item_devices` (`item_row_id`,`last_seen_at`,`device_uuid`);
--> statement-breakpoint
CREATE INDEX `item_devices_name` ON `item_devices` (`item_row_id`,`device_name`,`device_uuid`);
--> statement-breakpoint
CREATE INDEX `item_devices_counted` ON `item_devices` (`item_row_id`,`counted`,`active_until`);
--> statement-breakpoint
CREATE TABLE `grants_new` (
	`code_id` integer NOT NULL,
	`item_row_id` integer NOT NULL,
	`device_uuid` text NOT NULL,
	`first_granted_at` integer NOT NULL,
	`last_granted_at` integer NOT NULL,
	PRIMARY KEY(`code_id`, `device_uuid`, `item_row_id`),
	FOREIGN KEY (`code_id`) REFERENCES `handshake_codes`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`item_row_id`) REFERENCES `license_items`(`id`) ON UPDATE no action ON DELETE cascade
) WITHOUT ROWID;
--> statement-breakpoint
INSERT INTO `grants_new` (`code_id`, `item_row_id`, `device_uuid`, `first_granted_at`, `last_granted_at`)
  SELECT `code_id`, `item_row_id`, `device_uuid`, `first_granted_at`, `last_granted_at` FROM `grants`;
--> statement-breakpoint
DROP TABLE `grants`;
--> statement-breakpoint
ALTER TABLE `grants_new` RENAME TO `grants`;
--> statement-breakpoint
CREATE INDEX `grants_item` ON `grants` (`item_row_id`);
