<?php

declare(strict_types=1);

namespace Ephpm\Octane\Listeners;

use Illuminate\Database\Connection;
use Psr\Log\LoggerInterface;

/**
 * A request that opened a database transaction and never closed it (an exception between beginTransaction() and
 * commit(), rendered as an error page) would leave the next request of this worker inside it: under php-fpm the
 * connection died with the request, here it lives on. Rolled back after each request, with a warning in the log.
 */
final class RollBackOpenTransactions
{
    public function handle(object $event): void
    {
        $sandbox = $event->sandbox;
        if (!$sandbox->resolved('db')) {
            return;
        }
        foreach ($sandbox->make('db')->getConnections() as $name => $connection) {
            if (!$connection instanceof Connection || $connection->transactionLevel() === 0) {
                continue;
            }
            $levels = $connection->transactionLevel();
            while ($connection->transactionLevel() > 0) {
                $connection->rollBack();
            }
            $sandbox->make(LoggerInterface::class)->warning(
                "A request left {$levels} database transaction(s) open on connection [{$name}]; ephpm rolled them back so the next request does not run inside them.",
            );
        }
    }
}
