<?php
// Writes the body as PHP's json_encode does after json_decode (objects, not
// arrays, so that {} stays {}).
// usage: php gen_php.php IN OUT [pretty]
[$_, $src, $dst] = $argv;
$flags = (($argv[3] ?? '') === 'pretty') ? JSON_PRETTY_PRINT : 0;
$value = json_decode(file_get_contents($src));
file_put_contents($dst, json_encode($value, $flags));
