#!/usr/bin/env node
import { createEphpmLaravel } from '../dist/scaffold/create.js';

process.exitCode = await createEphpmLaravel(process.argv.slice(2));
