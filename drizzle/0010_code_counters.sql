-- Distinct devices granted per code, kept with the grants (the Configurations page read them with
-- count(DISTINCT device_uuid) over every grant: a page that grew with the devices).
CREATE TABLE `code_counters` (
	`code_id` integer PRIMARY KEY NOT NULL,
	`devices` integer DEFAULT 0 NOT NULL,
	FOREIGN KEY (`code_id`) REFERENCES `handshake_codes`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
INSERT INTO `code_counters` (`code_id`, `devices`) SELECT `code_id`, count(DISTINCT `device_uuid`) FROM `grants` GROUP BY `code_id`;
