-- Backfills the rollups (0005) from the usage an upgraded database already holds, so its
-- statistics pages show the history. Buckets are named by their UTC start (ms); `all` has bucket 0.
CREATE TEMP TABLE `rollup_periods` (`period` text, `ms` integer);
--> statement-breakpoint
INSERT INTO `rollup_periods` VALUES ('hour', 3600000), ('day', 86400000), ('all', 0);
--> statement-breakpoint
INSERT INTO `item_rollups` (`item_row_id`, `period`, `bucket`, `metric`, `name`, `value`)
  SELECT u.`item_row_id`, p.`period`, CASE p.`ms` WHEN 0 THEN 0 ELSE u.`slot` - u.`slot` % p.`ms` END, 'consumed', u.`name`, sum(u.`count`)
  FROM `usage_records` u CROSS JOIN `rollup_periods` p GROUP BY 1, 2, 3, 5;
--> statement-breakpoint
INSERT INTO `code_rollups` (`code_id`, `item_row_id`, `period`, `bucket`, `metric`, `name`, `value`)
  SELECT u.`code_id`, u.`item_row_id`, p.`period`, CASE p.`ms` WHEN 0 THEN 0 ELSE u.`slot` - u.`slot` % p.`ms` END, 'consumed', u.`name`, sum(u.`count`)
  FROM `usage_records` u CROSS JOIN `rollup_periods` p GROUP BY 1, 2, 3, 4, 6;
--> statement-breakpoint
-- Refusals were not told apart by error code before: they count as result -1 (unrecorded).
INSERT INTO `authorization_rollups` (`code`, `period`, `bucket`, `result`, `count`)
  SELECT `code`, `period`, `bucket`, `result`, `n` FROM (
    SELECT a.`code`, p.`period`, CASE p.`ms` WHEN 0 THEN 0 ELSE a.`slot` - a.`slot` % p.`ms` END AS `bucket`, 0 AS `result`, sum(a.`granted`) AS `n`
    FROM `authorization_counts` a CROSS JOIN `rollup_periods` p GROUP BY 1, 2, 3
    UNION ALL
    SELECT a.`code`, p.`period`, CASE p.`ms` WHEN 0 THEN 0 ELSE a.`slot` - a.`slot` % p.`ms` END, -1, sum(a.`refused`)
    FROM `authorization_counts` a CROSS JOIN `rollup_periods` p GROUP BY 1, 2, 3
  ) WHERE `n` > 0;
--> statement-breakpoint
-- Devices and domains: each counted on the day of its last contact (earlier days are not known).
INSERT INTO `item_rollups` (`item_row_id`, `period`, `bucket`, `metric`, `name`, `value`)
  SELECT `item_row_id`, 'day', `last_seen_at` - `last_seen_at` % 86400000, 'devices', '', count(*) FROM `item_devices` GROUP BY 1, 3;
--> statement-breakpoint
INSERT INTO `code_rollups` (`code_id`, `item_row_id`, `period`, `bucket`, `metric`, `name`, `value`)
  SELECT `code_id`, `item_row_id`, 'day', `last_granted_at` - `last_granted_at` % 86400000, 'devices', '', count(*) FROM `grants` GROUP BY 1, 2, 4;
--> statement-breakpoint
INSERT INTO `item_rollups` (`item_row_id`, `period`, `bucket`, `metric`, `name`, `value`)
  SELECT `item_row_id`, 'day', `last_seen_at` - `last_seen_at` % 86400000, 'domains', '', count(*) FROM `item_domains` GROUP BY 1, 3;
--> statement-breakpoint
-- Concurrency peaks: the busiest slot of each hour, day and of all time, in devices and in instances.
INSERT INTO `item_rollups` (`item_row_id`, `period`, `bucket`, `metric`, `name`, `value`)
  SELECT s.`item_row_id`, p.`period`, CASE p.`ms` WHEN 0 THEN 0 ELSE s.`slot` - s.`slot` % p.`ms` END, m.`metric`, '',
    max(CASE m.`metric` WHEN 'peak-devices' THEN s.`devices` ELSE s.`instances` END)
  FROM (SELECT `item_row_id`, `slot`, count(*) AS `devices`, sum(`instances`) AS `instances` FROM `concurrent_seats` GROUP BY 1, 2) s
  CROSS JOIN `rollup_periods` p
  CROSS JOIN (SELECT 'peak-devices' AS `metric` UNION ALL SELECT 'peak-instances') m
  GROUP BY 1, 2, 3, 4;
--> statement-breakpoint
-- Months (starting on the 1st, UTC) from the days: sums, and maxima for the peaks.
INSERT INTO `item_rollups` (`item_row_id`, `period`, `bucket`, `metric`, `name`, `value`)
  SELECT `item_row_id`, 'month', CAST(strftime('%s', `bucket` / 1000, 'unixepoch', 'start of month') AS INTEGER) * 1000, `metric`, `name`,
    CASE WHEN `metric` LIKE 'peak-%' THEN max(`value`) ELSE sum(`value`) END
  FROM `item_rollups` WHERE `period` = 'day' GROUP BY 1, 3, 4, 5;
--> statement-breakpoint
INSERT INTO `code_rollups` (`code_id`, `item_row_id`, `period`, `bucket`, `metric`, `name`, `value`)
  SELECT `code_id`, `item_row_id`, 'month', CAST(strftime('%s', `bucket` / 1000, 'unixepoch', 'start of month') AS INTEGER) * 1000, `metric`, `name`, sum(`value`)
  FROM `code_rollups` WHERE `period` = 'day' GROUP BY 1, 2, 4, 5, 6;
--> statement-breakpoint
INSERT INTO `authorization_rollups` (`code`, `period`, `bucket`, `result`, `count`)
  SELECT `code`, 'month', CAST(strftime('%s', `bucket` / 1000, 'unixepoch', 'start of month') AS INTEGER) * 1000, `result`, sum(`count`)
  FROM `authorization_rollups` WHERE `period` = 'day' GROUP BY 1, 3, 4;
--> statement-breakpoint
DROP TABLE `rollup_periods`;
