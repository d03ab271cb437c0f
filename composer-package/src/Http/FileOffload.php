<?php

declare(strict_types=1);

namespace Ephpm\Octane\Http;

use Symfony\Component\HttpFoundation\BinaryFileResponse;

/**
 * A download handed to the runtime: instead of PHP reading the file and streaming it, the response goes out with no
 * body and an X-Ephpm-File header naming the bytes Symfony's sendContent() would send (the file's real path, the
 * offset and length prepare() chose for a Range, whether to delete it afterwards), and the runtime sends them from
 * the file while PHP takes the next request. The header carries the token the runtime gave this process
 * (EPHPM_FILE_OFFLOAD_TOKEN, set only while `file_offload` is on), so a header an app copies from elsewhere is never
 * honoured; the runtime removes it from every response. docs/ARCHITECTURE.md, "File offload".
 */
final class FileOffload
{
    public const HEADER = 'X-Ephpm-File';
    public const TOKEN_ENV = 'EPHPM_FILE_OFFLOAD_TOKEN';

    public function __construct(private readonly string $token)
    {
    }

    /** null when the runtime sends no files (file_offload off, or not under ephpm). */
    public static function fromEnvironment(): ?self
    {
        $token = getenv(self::TOKEN_ENV);
        return is_string($token) && $token !== '' ? new self($token) : null;
    }

    /**
     * The X-Ephpm-File value for a prepared response, or null when PHP must send it itself: a status without a body
     * (304, 412, 416), nothing to send (maxlen 0), or content that is not a file on disk (setContent()'s temp file).
     */
    public function headerFor(BinaryFileResponse $response): ?string
    {
        if (!$response->isSuccessful()) {
            return null;
        }
        /** @var array{int, int, bool, mixed} $state */
        $state = (fn (): array => [$this->offset, $this->maxlen, $this->deleteFileAfterSend, $this->tempFileObject ?? null])
            ->call($response);
        [$offset, $maxlen, $delete, $temp] = $state;
        $path = realpath($response->getFile()->getPathname());
        if ($maxlen === 0 || $temp !== null || $path === false) {
            return null;
        }
        return sprintf('%s %d %d %d %s', $this->token, $offset, $maxlen, $delete ? 1 : 0, rawurlencode($path));
    }
}
