CREATE TABLE `item_capacity` (
	`item_row_id` integer PRIMARY KEY NOT NULL,
	`active_devices` integer DEFAULT 0 NOT NULL,
	`active_domains` integer DEFAULT 0 NOT NULL,
	FOREIGN KEY (`item_row_id`) REFERENCES `license_items`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE TABLE `slot_occupancy` (
	`item_row_id` integer NOT NULL,
	`slot` integer NOT NULL,
	`devices` integer DEFAULT 0 NOT NULL,
	`instances` integer DEFAULT 0 NOT NULL,
	PRIMARY KEY(`item_row_id`, `slot`),
	FOREIGN KEY (`item_row_id`) REFERENCES `license_items`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
DROP INDEX `item_devices_active`;--> statement-breakpoint
ALTER TABLE `item_devices` ADD `counted` integer DEFAULT false NOT NULL;--> statement-breakpoint
CREATE INDEX `item_devices_counted` ON `item_devices` (`item_row_id`,`counted`,`active_until`);--> statement-breakpoint
ALTER TABLE `item_domains` ADD `counted` integer DEFAULT false NOT NULL;--> statement-breakpoint
CREATE INDEX `item_domains_counted` ON `item_domains` (`item_row_id`,`counted`,`last_seen_at`);--> statement-breakpoint
CREATE INDEX `concurrent_seats_device` ON `concurrent_seats` (`item_row_id`,`device_uuid`,`slot`);--> statement-breakpoint
-- Backfill (appended by hand after drizzle-kit's statements): the counters of an upgraded database start from its rows.
UPDATE `item_devices` SET `counted` = 1 WHERE `active_until` > CAST(strftime('%s', 'now') AS INTEGER) * 1000 AND `item_row_id` IN (SELECT `id` FROM `license_items` WHERE `charge_way` = 'device');--> statement-breakpoint
UPDATE `item_domains` SET `counted` = 1 WHERE `last_seen_at` > CAST(strftime('%s', 'now') AS INTEGER) * 1000 - 365 * 86400000;--> statement-breakpoint
INSERT INTO `item_capacity` (`item_row_id`, `active_devices`) SELECT `item_row_id`, count(*) FROM `item_devices` WHERE `counted` = 1 GROUP BY `item_row_id` ON CONFLICT (`item_row_id`) DO UPDATE SET `active_devices` = excluded.`active_devices`;--> statement-breakpoint
INSERT INTO `item_capacity` (`item_row_id`, `active_domains`) SELECT `item_row_id`, count(*) FROM `item_domains` WHERE `counted` = 1 GROUP BY `item_row_id` ON CONFLICT (`item_row_id`) DO UPDATE SET `active_domains` = excluded.`active_domains`;--> statement-breakpoint
INSERT INTO `slot_occupancy` (`item_row_id`, `slot`, `devices`, `instances`) SELECT `item_row_id`, `slot`, count(*), sum(`instances`) FROM `concurrent_seats` GROUP BY `item_row_id`, `slot`;
