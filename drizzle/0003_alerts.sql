CREATE TABLE `alert_mutes` (
	`rule` text NOT NULL,
	`subject` text NOT NULL,
	`created_at` integer NOT NULL,
	PRIMARY KEY(`rule`, `subject`)
);
--> statement-breakpoint
CREATE TABLE `alert_rules` (
	`rule` text PRIMARY KEY NOT NULL,
	`enabled` integer NOT NULL,
	`levels` text NOT NULL,
	`updated_at` integer NOT NULL
);
--> statement-breakpoint
CREATE TABLE `alert_state` (
	`rule` text NOT NULL,
	`subject` text NOT NULL,
	`level` real NOT NULL,
	`quota` integer NOT NULL,
	`value` real NOT NULL,
	`fired_at` integer NOT NULL,
	PRIMARY KEY(`rule`, `subject`)
);
--> statement-breakpoint
CREATE TABLE `email_config` (
	`id` integer PRIMARY KEY NOT NULL,
	`host` text NOT NULL,
	`port` integer NOT NULL,
	`security` text NOT NULL,
	`user` text DEFAULT '' NOT NULL,
	`password_sealed` text,
	`from_address` text NOT NULL,
	`to` text NOT NULL,
	`cc` text DEFAULT '' NOT NULL,
	`bcc` text DEFAULT '' NOT NULL,
	`updated_at` integer NOT NULL
);
--> statement-breakpoint
CREATE TABLE `outbox` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`created_at` integer NOT NULL,
	`subject` text NOT NULL,
	`text` text NOT NULL,
	`html` text NOT NULL,
	`summary` text NOT NULL,
	`status` text NOT NULL,
	`attempts` integer DEFAULT 0 NOT NULL,
	`next_attempt_at` integer NOT NULL,
	`last_attempt_at` integer,
	`last_error` text,
	`sent_at` integer,
	`response` text
);
--> statement-breakpoint
CREATE INDEX `outbox_due` ON `outbox` (`status`,`next_attempt_at`);--> statement-breakpoint
CREATE INDEX `outbox_created` ON `outbox` (`created_at`);