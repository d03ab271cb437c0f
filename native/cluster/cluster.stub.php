<?php

/** @generate-function-entries */

// The functions Ephpm\Octane\Cluster\StrongTable (composer-package/) uses so that a strong write is checked and
// converted exactly as a local one is (strong_php.cc). scripts/generate-arginfo.sh turns this file into
// cluster_arginfo.h.

namespace Ephpm\Octane\Cluster;

/** ['name' => 'string', 'votes' => 'int', ...] */
function columns(\Ephpm\Octane\Table $table): array {}

/** ['column' => 'text', ...], checked as Table::set() checks it. */
function encode_row(\Ephpm\Octane\Table $table, array $row): array {}

/** [type, 'text'], checked as Table::incr() checks it. */
function encode_step(\Ephpm\Octane\Table $table, string $column, int|float $by): array {}
