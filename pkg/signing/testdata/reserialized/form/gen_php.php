<?php
// Writes a form as PHP's http_build_query does after parse_str ($_POST).
// usage: php gen_php.php IN OUT [rfc3986]
[$_, $src, $dst] = $argv;
parse_str(file_get_contents($src), $params);
$enc = (($argv[3] ?? '') === 'rfc3986') ? PHP_QUERY_RFC3986 : PHP_QUERY_RFC1738;
file_put_contents($dst, http_build_query($params, '', '&', $enc));
