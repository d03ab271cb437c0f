import type { LeftOutTool } from './composer-problems.js';
import type { MajorProbe } from './composer-probes.js';

// How the scaffolder speaks of the skeleton's dev tools it leaves out (Laravel 12's laravel/pint on PHP 8.2).

/** "laravel/pint", "laravel/pint and laravel/pail". */
export function toolNames(tools: LeftOutTool[]): string {
  const names = tools.map((tool) => tool.name);
  return names.length <= 1 ? (names[0] ?? '') : `${names.slice(0, -1).join(', ')} and ${names.at(-1)}`;
}

/** One line per tool: what was left out, why, and how to add it back. */
export function leftOutLine(tool: LeftOutTool): string {
  return `left out ${tool.name} ${tool.constraint} (needs ${tool.needs}): on ${tool.needs}, composer require --dev ${tool.name}:${tool.constraint}`;
}

/** The same for the "What's next" note, broken to fit its box. */
export function addBackStep(tool: LeftOutTool): string {
  return `Left out ${tool.name} ${tool.constraint} (needs ${tool.needs}). On ${tool.needs}:\n   composer require --dev ${tool.name}:${tool.constraint}`;
}

/** Why a newer Laravel was not the default: "Laravel 12's skeleton needs laravel/pint ^1.24, which needs PHP 8.3+ (…)". */
export function skeletonNeedsLine(probe: MajorProbe): string {
  const needs = new Set(probe.leftOut.map((tool) => tool.needs));
  const tools =
    needs.size === 1
      ? `${probe.leftOut.map((tool) => `${tool.name} ${tool.constraint}`).join(' and ')}, which ${probe.leftOut.length === 1 ? 'needs' : 'need'} ${[...needs][0]}`
      : probe.leftOut.map((tool) => `${tool.name} ${tool.constraint} (${tool.needs})`).join(' and ');
  return `Laravel ${probe.major}'s skeleton needs ${tools} (--laravel ${probe.major} makes it without ${toolNames(probe.leftOut)})`;
}
