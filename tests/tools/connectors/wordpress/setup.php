<?php
/* Installs the test site and prints an application password for its admin, as JSON.
 * Run with php-cli, with the same environment as the server. */
define('WP_INSTALLING', true);
$_SERVER['HTTP_HOST'] = parse_url(getenv('BRANDLOOM_WP_URL'), PHP_URL_HOST);
require getenv('BRANDLOOM_WP_ROOT') . '/wp-load.php';
require_once ABSPATH . 'wp-admin/includes/upgrade.php';
$result = wp_install('Brandloom test', 'admin', 'admin@example.test', false, '', 'admin-login-pass');
$created = WP_Application_Passwords::create_new_application_password(
    $result['user_id'], array('name' => 'brandloom')
);
echo json_encode(array('user' => 'admin', 'password' => $created[0]));
