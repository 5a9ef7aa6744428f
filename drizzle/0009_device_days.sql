-- Edited by hand after drizzle-kit: WITHOUT ROWID (drizzle cannot say it), so the hot path's upsert walks one B-tree.
-- No backfill: the per-device history of past days was never kept (usage_records has no device).
CREATE TABLE `device_days` (
	`item_row_id` integer NOT NULL,
	`day` integer NOT NULL,
	`device_uuid` text NOT NULL,
	`code_id` integer NOT NULL,
	`authorizations` integer DEFAULT 0 NOT NULL,
	`reports` integer DEFAULT 0 NOT NULL,
	`units` integer DEFAULT 0 NOT NULL,
	`first_at` integer NOT NULL,
	`last_at` integer NOT NULL,
	PRIMARY KEY(`item_row_id`, `day`, `device_uuid`, `code_id`),
	FOREIGN KEY (`item_row_id`) REFERENCES `license_items`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`code_id`) REFERENCES `handshake_codes`(`id`) ON UPDATE no action ON DELETE cascade
) WITHOUT ROWID;
--> statement-breakpoint
CREATE INDEX `device_days_code` ON `device_days` (`code_id`,`day`,`item_row_id`,`device_uuid`);