import { Flags } from '@oclif/core';

/** How commands that talk to a running server find it. */
export const serverLocationFlags = {
  root: Flags.string({ description: 'App directory the server runs (default: current directory)', env: 'EPHPM_ROOT' }),
  'state-file': Flags.string({ description: 'State file of the running server (default: <root>/.ephpm/server.json)', env: 'EPHPM_STATE_FILE' }),
  config: Flags.string({ description: 'Path to ephpm.toml (read for server.state_file)', env: 'EPHPM_CONFIG' }),
};
