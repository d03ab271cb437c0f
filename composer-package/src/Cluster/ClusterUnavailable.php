<?php

declare(strict_types=1);

namespace Ephpm\Octane\Cluster;

use RuntimeException;

/** A strong() read or write could not reach Redis (or Redis refused it): strong() never falls back to the local copy. */
final class ClusterUnavailable extends RuntimeException
{
}
