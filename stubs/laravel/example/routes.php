<?php

use Illuminate\Support\Facades\Route;
use Laravel\Octane\Facades\Octane;

// ephpm's example (app/Providers/EphpmExampleServiceProvider.php loads this file).
Route::get('/ephpm-example', function () {
    $table = Octane::table('example');                       // shared memory: every worker process sees the same rows

    [$sum, $time] = Octane::concurrently([                     // run at once, on the task workers
        fn () => ['pid' => getmypid(), 'sum' => array_sum(range(1, 1000))],
        fn () => ['pid' => getmypid(), 'time' => date(DATE_ATOM)],
    ]);

    return [
        'visits' => $table->incr('visits', 'votes'),           // atomic across processes
        'ticks' => $table->get('ticks', 'votes') ?: 0,         // counted by the tick worker
        'request_pid' => getmypid(),
        'tasks' => [$sum, $time],
    ];
});
