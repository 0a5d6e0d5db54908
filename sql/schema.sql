-- Switchboard MySQL schema (MySQL 8 / MariaDB 10.11), generated from the migrations in
-- libs/storage/src/migrations by `npx tsx libs/storage/src/dump-schema.ts`; a test keeps the two
-- equal, so change the migrations, never this file. The services create the schema themselves
-- (migrate() at start-up), which also records what it applied in kysely_migration and
-- kysely_migration_lock; this file is the reference for reviewers and operators.

CREATE TABLE `api_keys` (
  `key_id` varchar(16) NOT NULL,
  `app_id` varchar(64) NOT NULL,
  `key_hash` char(64) NOT NULL,
  `name` varchar(128) NOT NULL,
  `created_at` bigint(20) NOT NULL,
  `revoked_at` bigint(20) DEFAULT NULL,
  PRIMARY KEY (`key_id`),
  KEY `api_keys_app_idx` (`app_id`,`created_at`)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

CREATE TABLE `apps` (
  `app_id` varchar(64) NOT NULL,
  `name` varchar(128) NOT NULL,
  `token_secret` varchar(255) NOT NULL,
  `api_key_hash` varchar(128) DEFAULT NULL,
  `created_at` bigint(20) NOT NULL,
  `previous_token_secret` varchar(255) DEFAULT NULL,
  `previous_secret_valid_until` bigint(20) DEFAULT NULL,
  `webhook_url` varchar(2048) DEFAULT NULL,
  `webhook_secret` varchar(255) DEFAULT NULL,
  `allow_client_tags` tinyint(1) DEFAULT NULL,
  `allow_client_room_sends` tinyint(1) DEFAULT NULL,
  PRIMARY KEY (`app_id`)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

CREATE TABLE `conversations` (
  `app_id` varchar(64) NOT NULL,
  `conversation_type` varchar(16) NOT NULL,
  `conversation_id` varchar(160) NOT NULL,
  `max_seq` bigint(20) unsigned NOT NULL DEFAULT 0,
  `created_at` bigint(20) NOT NULL,
  PRIMARY KEY (`app_id`,`conversation_type`,`conversation_id`)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

CREATE TABLE `conversation_members` (
  `app_id` varchar(64) NOT NULL,
  `user_id` varchar(64) NOT NULL,
  `conversation_type` varchar(16) NOT NULL,
  `conversation_id` varchar(160) NOT NULL,
  `role` varchar(16) NOT NULL,
  `joined_at` bigint(20) NOT NULL,
  `join_seq` bigint(20) unsigned NOT NULL DEFAULT 0,
  `read_seq` bigint(20) unsigned NOT NULL DEFAULT 0,
  PRIMARY KEY (`app_id`,`user_id`,`conversation_type`,`conversation_id`),
  KEY `conversation_members_conversation_idx` (`app_id`,`conversation_type`,`conversation_id`,`user_id`)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

CREATE TABLE `devices` (
  `app_id` varchar(64) NOT NULL,
  `user_id` varchar(64) NOT NULL,
  `device_id` varchar(64) NOT NULL,
  `platform` varchar(32) NOT NULL,
  `acked_seq` bigint(20) unsigned NOT NULL DEFAULT 0,
  `last_sign_in_at` bigint(20) NOT NULL,
  `created_at` bigint(20) NOT NULL,
  PRIMARY KEY (`app_id`,`user_id`,`device_id`)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

CREATE TABLE `groups` (
  `app_id` varchar(64) NOT NULL,
  `group_id` varchar(64) NOT NULL,
  `name` varchar(128) NOT NULL,
  `owner_user_id` varchar(64) NOT NULL,
  `extra` text NOT NULL,
  `member_count` bigint(20) unsigned NOT NULL DEFAULT 0,
  `large` tinyint(1) NOT NULL DEFAULT 0,
  `dissolved_at` bigint(20) DEFAULT NULL,
  `created_at` bigint(20) NOT NULL,
  `updated_at` bigint(20) NOT NULL,
  PRIMARY KEY (`app_id`,`group_id`)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

CREATE TABLE `inbox` (
  `app_id` varchar(64) NOT NULL,
  `user_id` varchar(64) NOT NULL,
  `seq` bigint(20) unsigned NOT NULL,
  `message_id` bigint(20) unsigned NOT NULL,
  PRIMARY KEY (`app_id`,`user_id`,`seq`),
  KEY `inbox_message_idx` (`message_id`)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

CREATE TABLE `messages` (
  `message_id` bigint(20) unsigned NOT NULL AUTO_INCREMENT,
  `app_id` varchar(64) NOT NULL,
  `conversation_type` varchar(16) NOT NULL,
  `conversation_id` varchar(160) NOT NULL,
  `conversation_seq` bigint(20) unsigned NOT NULL,
  `sender_user_id` varchar(64) NOT NULL,
  `sender_device_id` varchar(64) NOT NULL,
  `target_id` varchar(64) NOT NULL,
  `client_msg_id` varchar(64) NOT NULL,
  `content_type` varchar(64) NOT NULL,
  `content` mediumblob NOT NULL,
  `sent_at` bigint(20) NOT NULL,
  PRIMARY KEY (`message_id`),
  UNIQUE KEY `messages_conversation_seq_uq` (`app_id`,`conversation_type`,`conversation_id`,`conversation_seq`)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

CREATE TABLE `send_dedupe` (
  `app_id` varchar(64) NOT NULL,
  `sender_user_id` varchar(64) NOT NULL,
  `client_msg_id` varchar(64) NOT NULL,
  `message_id` bigint(20) unsigned NOT NULL,
  `sender_seq` bigint(20) unsigned NOT NULL DEFAULT 0,
  `recipient_seq` bigint(20) unsigned NOT NULL DEFAULT 0,
  `conversation_seq` bigint(20) unsigned NOT NULL,
  `sent_at` bigint(20) NOT NULL,
  PRIMARY KEY (`app_id`,`sender_user_id`,`client_msg_id`)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

CREATE TABLE `users` (
  `app_id` varchar(64) NOT NULL,
  `user_id` varchar(64) NOT NULL,
  `nickname` varchar(128) NOT NULL,
  `avatar` varchar(1024) NOT NULL,
  `extra` text NOT NULL,
  `created_at` bigint(20) NOT NULL,
  `updated_at` bigint(20) NOT NULL,
  `tags` varchar(8192) NOT NULL DEFAULT '[]',
  `tokens_valid_after` bigint(20) NOT NULL DEFAULT 0,
  PRIMARY KEY (`app_id`,`user_id`)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

CREATE TABLE `user_seqs` (
  `app_id` varchar(64) NOT NULL,
  `user_id` varchar(64) NOT NULL,
  `max_seq` bigint(20) unsigned NOT NULL DEFAULT 0,
  `created_at` bigint(20) NOT NULL,
  PRIMARY KEY (`app_id`,`user_id`)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;
