<?php
/* The test instance's configuration (copied over Debian's wp-config.php by the fixture).
 * Everything comes from the environment of `php -S`, set by tests/tools/connectors/conftest.py.
 * WP_ENVIRONMENT_TYPE=local is what allows application passwords over plain http: a test
 * instance setting, never the connector's. */
define('DB_NAME', getenv('BRANDLOOM_WP_DB'));
define('DB_USER', getenv('BRANDLOOM_WP_DB_USER') ?: 'root');
define('DB_PASSWORD', getenv('BRANDLOOM_WP_DB_PASSWORD') ?: '');
define('DB_HOST', getenv('BRANDLOOM_WP_DB_HOST') ?: '127.0.0.1:3306');
define('DB_CHARSET', 'utf8mb4');
define('DB_COLLATE', '');
define('WP_HOME', getenv('BRANDLOOM_WP_URL'));
define('WP_SITEURL', getenv('BRANDLOOM_WP_URL'));
define('WP_ENVIRONMENT_TYPE', 'local');
define('WP_HTTP_BLOCK_EXTERNAL', true);
define('AUTOMATIC_UPDATER_DISABLED', true);
define('DISABLE_WP_CRON', true);
define('AUTH_KEY', 'test'); define('SECURE_AUTH_KEY', 'test'); define('LOGGED_IN_KEY', 'test');
define('NONCE_KEY', 'test'); define('AUTH_SALT', 'test'); define('SECURE_AUTH_SALT', 'test');
define('LOGGED_IN_SALT', 'test'); define('NONCE_SALT', 'test');
$table_prefix = 'wp_';
if (!defined('ABSPATH')) {
    define('ABSPATH', __DIR__ . '/');
}
require_once ABSPATH . 'wp-settings.php';
