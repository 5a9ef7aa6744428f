DROP INDEX `item_domains_last_seen`;--> statement-breakpoint
CREATE INDEX `item_domains_last_seen` ON `item_domains` (`item_row_id`,`last_seen_at`,`domain`);--> statement-breakpoint
CREATE INDEX `item_devices_last_seen` ON `item_devices` (`item_row_id`,`last_seen_at`,`device_uuid`);--> statement-breakpoint
CREATE INDEX `item_devices_name` ON `item_devices` (`item_row_id`,`device_name`,`device_uuid`);