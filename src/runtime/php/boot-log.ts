type Print = (message: string, fromOutput: boolean) => void;

/**
 * PHP's log lines while the worker script boots. In `ephpm dev` the error that stops a boot is
 * printed once, by the dev report, so the latest line is held back until the boot ends and
 * dropped if it is that error. Every other line is printed as it comes (one line late at most).
 */
export class BootLog {
  private held: Parameters<Print> | null = null;
  private booting = true;

  constructor(
    private readonly print: Print,
    private readonly leaveErrorToSupervisor: boolean,
  ) {}

  line(message: string, fromOutput: boolean): void {
    if (!this.booting || !this.leaveErrorToSupervisor) return this.print(message, fromOutput);
    if (this.held) this.print(...this.held);
    this.held = [message, fromOutput];
  }

  booted(): void {
    this.end(() => true);
  }

  failed(error: string): void {
    this.end(([message]) => !error.includes(message.trim()));
  }

  private end(keep: (line: Parameters<Print>) => boolean): void {
    this.booting = false;
    if (this.held && keep(this.held)) this.print(...this.held);
    this.held = null;
  }
}
