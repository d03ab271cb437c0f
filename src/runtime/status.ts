export interface WorkerStatus {
  index: number;
  pid: number;
  state: 'starting' | 'serving' | 'draining';
  requests: number;
  inFlight: number;
  rssBytes: number;
  uptimeSeconds: number;
  restarts: number;
}

export interface ServerStatus {
  pid: number;
  url: string;
  host: string;
  port: number;
  startedAt: string;
  uptimeSeconds: number;
  totalRequests: number;
  workers: WorkerStatus[];
}
