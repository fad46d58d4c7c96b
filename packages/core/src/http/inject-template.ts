import Handlebars from 'handlebars';
import { Environment } from 'minijinja-js';
import { MtaKitError } from '../errors.js';
import type { JsonValue } from '../message/message.js';
import type { TemplateDialect } from './inject-request.js';

/**
 * Work one template expansion may do (MiniJinja's fuel: roughly one unit per instruction), so a
 * request cannot make the listener loop for long; KumoMTA sets none, a shared MTA should.
 */
const JINJA_FUEL = 5_000_000;

/** A template that does not parse (the request answers 422, KumoMTA's Unprocessable Content). */
export class TemplateSyntaxError extends MtaKitError {
  constructor(message: string) {
    super('E_TEMPLATE', message);
  }
}

/** A request's templates, compiled once and rendered per recipient. */
export interface CompiledTemplates {
  /** Renders a template by name; throws MtaKitError E_TEMPLATE when expansion fails. */
  render(name: string, vars: Record<string, JsonValue>): string;
  /** Frees the engine (MiniJinja's lives in WebAssembly memory). */
  dispose(): void;
}

/**
 * Compiles templates the way kumod's kumo-template does: `Jinja` with MiniJinja itself (its
 * WebAssembly build, with pycompat methods), auto-escaping HTML for names ending in `.html`;
 * `Handlebars` escaping only those too; `Static` as-is. A syntax error names the field.
 */
export function compileTemplates(dialect: TemplateDialect, sources: ReadonlyMap<string, string>): CompiledTemplates {
  if (dialect === 'Static') return { render: (name) => sources.get(name) ?? '', dispose: () => undefined };
  if (dialect === 'Handlebars') return compileHandlebars(sources);
  return compileJinja(sources);
}

function compileJinja(sources: ReadonlyMap<string, string>): CompiledTemplates {
  const env = new Environment();
  env.enablePyCompat();
  env.fuel = JINJA_FUEL;
  // A message's last line break is part of it (MiniJinja drops it by default).
  env.keepTrailingNewline = true;
  try {
    for (const [name, source] of sources) {
      try {
        env.addTemplate(name, source);
      } catch (error) {
        throw new TemplateSyntaxError(`failed parsing field ${fieldOf(name)} as template: ${firstLine(error)}`);
      }
    }
  } catch (error) {
    env.free();
    throw error;
  }
  return {
    render: (name, vars) => {
      try {
        return env.renderTemplate(name, vars);
      } catch (error) {
        throw new MtaKitError('E_TEMPLATE', `expanding ${fieldOf(name)}: ${firstLine(error)}`);
      }
    },
    dispose: () => env.free(),
  };
}

function compileHandlebars(sources: ReadonlyMap<string, string>): CompiledTemplates {
  const hb = Handlebars.create();
  const compiled = new Map<string, HandlebarsTemplateDelegate>();
  for (const [name, source] of sources) {
    try {
      hb.parse(source);
    } catch (error) {
      throw new TemplateSyntaxError(`failed parsing field ${fieldOf(name)} as template: ${firstLine(error)}`);
    }
    compiled.set(name, hb.compile(source, { noEscape: !name.endsWith('.html') }));
  }
  return {
    render: (name, vars) => {
      try {
        return (compiled.get(name) as HandlebarsTemplateDelegate)(vars);
      } catch (error) {
        throw new MtaKitError('E_TEMPLATE', `expanding ${fieldOf(name)}: ${firstLine(error)}`);
      }
    },
    dispose: () => undefined,
  };
}

/** Template names are the request's field names, with the extension that selects escaping. */
function fieldOf(name: string): string {
  return `'${name.replace(/\.(txt|html)$/, '')}'`;
}

function firstLine(error: unknown): string {
  return String((error as Error)?.message ?? error).split('\n')[0] ?? '';
}
