<?php

declare(strict_types=1);

namespace Ephpm\Octane;

use Ephpm\Octane\Http\RequestFactory;
use Ephpm\Octane\Http\ResponseSender;
use Illuminate\Foundation\Application;
use Illuminate\Http\Request;
use Laravel\Octane\Contracts\StoppableClient;
use Laravel\Octane\Octane;
use Laravel\Octane\OctaneResponse;
use Laravel\Octane\RequestContext;
use Throwable;

/**
 * Octane's client for the ephpm runtime: turns the runtime's request array into an Illuminate request and sends
 * Laravel's response back through Ephpm\Octane\send_response() (or the streaming functions, see Http\ResponseSender).
 *
 * The request context carries the runtime's array under `ephpm`.
 */
final class EphpmClient implements StoppableClient
{
    private bool $stopRequested = false;

    public function __construct(private readonly ResponseSender $sender = new ResponseSender())
    {
    }

    /** @return array{Request, RequestContext} */
    public function marshalRequest(RequestContext $context): array
    {
        return [RequestFactory::fromRuntime($context['ephpm']), $context];
    }

    public function respond(RequestContext $context, OctaneResponse $octaneResponse): void
    {
        $this->sender->send(
            $octaneResponse->response,
            (string) $octaneResponse->outputBuffer,
            strtoupper((string) ($context['ephpm']['method'] ?? 'GET')) === 'HEAD',
        );
    }

    /** An exception escaped the app: Octane's 500 (the exception itself with APP_DEBUG on). */
    public function error(Throwable $e, Application $app, Request $request, RequestContext $context): void
    {
        $this->sender->sendError(Octane::formatExceptionForClient($e, (bool) $app->make('config')->get('app.debug')));
    }

    /**
     * Octane's StopWorkerIfNecessary listener calls this after an exception escaped a request: the worker script
     * leaves its loop after this request, and the runtime runs it again in the same process, so the next request
     * meets a freshly booted application and nothing the failed one left behind.
     */
    public function stop(): void
    {
        $this->stopRequested = true;
    }

    public function stopRequested(): bool
    {
        return $this->stopRequested;
    }
}
