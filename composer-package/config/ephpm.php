<?php

// ephpm/octane-driver: how `php artisan octane:start --server=ephpm` finds and runs the ephpm runtime. Settings of
// the server itself (body size limit, request queue, TLS, PHP ini, shared tables) go in ephpm.toml in the app root;
// see the ephpm README.

return [

    /*
    | The ephpm executable. octane:start looks for the app's node_modules/.bin/ephpm first (npm install --save-dev
    | ephpm puts it there), then for `ephpm` on PATH, then uses this path.
    */
    'binary' => env('EPHPM_BINARY'),

];
