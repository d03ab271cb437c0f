/** One line of `ephpm doctor`'s report (doctor.ts, doctor-laravel.ts). */
export type CheckStatus = 'ok' | 'warn' | 'fail' | 'skip';

export interface Check {
  name: string;
  status: CheckStatus;
  detail: string;
  /** The command or change that fixes it. */
  fix?: string;
}
