import { readFileSync } from 'node:fs';
import path from 'node:path';
import { Ajv2020, type ErrorObject, type ValidateFunction } from 'ajv/dist/2020';
import addFormats from 'ajv-formats';

/** The committed contract every answer of the public API is checked against. */
export const API_DOCUMENT_PATH = path.resolve(__dirname, '../../../api-gateway/openapi.json');

/** An answer as a test saw it, whatever client made the request. */
export interface ObservedAnswer {
  method: string;
  /** As requested: a gateway path (`/api/...`) or a service's own (`/products/...`); a query is ignored. */
  path: string;
  status: number;
  /** Read by name, case-insensitively. */
  header(name: string): string | undefined;
  /** The body as sent, '' for none. */
  text: string;
}

export type ContractCheck =
  | { outcome: 'checked'; operationId: string }
  | { outcome: 'skipped'; reason: string }
  | { outcome: 'mismatch'; operationId: string; problems: string[] };

/** An answer the document does not allow; its message names the request, the problems and the body. */
export class ContractMismatchError extends Error {
  constructor(
    readonly answer: ObservedAnswer,
    readonly problems: string[],
    operationId: string,
  ) {
    const body =
      answer.text.length > 2000 ? `${answer.text.slice(0, 2000)}… (${answer.text.length} chars)` : answer.text;
    super(
      [
        `${answer.method.toUpperCase()} ${answer.path} answered ${answer.status}, which ${path.basename(API_DOCUMENT_PATH)} does not allow for ${operationId}:`,
        ...problems.map((problem) => `  - ${problem}`),
        `content-type: ${answer.header('content-type') ?? '(none)'}`,
        `body: ${body === '' ? '(empty)' : body}`,
      ].join('\n'),
    );
    this.name = 'ContractMismatchError';
  }
}

// The parts of an OpenAPI 3.1 document read here; the rest is left as it is.
interface Reference {
  $ref: string;
}
interface HeaderObject {
  required?: boolean;
  schema?: object;
}
interface MediaTypeObject {
  schema?: object;
}
interface ResponseObject {
  headers?: Record<string, HeaderObject | Reference>;
  content?: Record<string, MediaTypeObject>;
}
interface OperationObject {
  operationId?: string;
  responses: Record<string, ResponseObject | Reference>;
}
interface ApiDocument {
  paths: Record<string, Record<string, OperationObject>>;
  components?: { schemas?: Record<string, object> };
}

interface DocumentedPath {
  template: string;
  pattern: RegExp;
  /** Paths with fewer parameters win (`/api/orders/live` before `/api/orders/{id}`), as OpenAPI says. */
  parameters: number;
}

/**
 * Set by the gateway tests' fake upstreams on everything they answer (and passed on by the
 * gateway): a test double's answer is not the API's, so it is not checked.
 */
export const TEST_DOUBLE_HEADER = 'x-test-double';

const COMPONENTS_ID = 'urn:shop:openapi:components';
const HTTP_METHODS = new Set(['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace']);

function isReference(value: unknown): value is Reference {
  return typeof value === 'object' && value !== null && typeof (value as Reference).$ref === 'string';
}

/** Schemas point at `#/components/schemas/X`; compiled apart from the document, they point at the one registered copy. */
function pointSchemaRefsAtComponents(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(pointSchemaRefsAtComponents);
  if (typeof value !== 'object' || value === null) return value;
  return Object.fromEntries(
    Object.entries(value).map(([key, child]) => [
      key,
      key === '$ref' && typeof child === 'string'
        ? child.replace(/^#\/components\/schemas\//, `${COMPONENTS_ID}#/$defs/`)
        : pointSchemaRefsAtComponents(child),
    ]),
  );
}

function describeAjvError(where: string, error: ErrorObject): string {
  const params = Object.keys(error.params).length === 0 ? '' : ` ${JSON.stringify(error.params)}`;
  return `${where}${error.instancePath} ${error.message ?? 'is invalid'}${params} (schema ${error.schemaPath})`;
}

const isJson = (mediaType: string) => mediaType === 'application/json' || mediaType.endsWith('+json');

/** Checks answers against one OpenAPI 3.1 document; schemas are compiled once each, when first needed. */
export class ApiContract {
  private readonly ajv = new Ajv2020({ strict: true, allErrors: true, allowUnionTypes: true });
  private readonly paths: DocumentedPath[];
  private readonly compiled = new Map<string, ValidateFunction>();

  constructor(private readonly document: ApiDocument) {
    addFormats(this.ajv);
    // OpenAPI's own annotations inside schemas: allowed, not checked.
    this.ajv.addVocabulary(['discriminator', 'xml', 'externalDocs', 'example']);
    this.ajv.addSchema({
      $id: COMPONENTS_ID,
      $defs: pointSchemaRefsAtComponents(document.components?.schemas ?? {}) as Record<string, object>,
    });
    this.paths = Object.keys(document.paths)
      .map((template) => {
        const parts = template.split(/\{[^}]+\}/).map((part) => part.replace(/[.*+?^$()|[\]\\]/g, '\\$&'));
        return { template, pattern: new RegExp(`^${parts.join('[^/]+')}$`), parameters: parts.length - 1 };
      })
      .sort((a, b) => a.parameters - b.parameters);
  }

  /** `/products/x` (a service's own path) is `/api/products/x` at the gateway; a query is dropped. */
  static publicPath(requestPath: string): string {
    const pathname = requestPath.split(/[?#]/, 1)[0] ?? '';
    return pathname === '/api' || pathname.startsWith('/api/') ? pathname : `/api${pathname}`;
  }

  check(answer: ObservedAnswer): ContractCheck {
    if (answer.header(TEST_DOUBLE_HEADER) !== undefined)
      return { outcome: 'skipped', reason: `answered by a test double (${answer.header(TEST_DOUBLE_HEADER)})` };
    const method = answer.method.toLowerCase();
    const publicPath = ApiContract.publicPath(answer.path);
    const documented = this.paths.find(({ pattern }) => pattern.test(publicPath));
    if (documented === undefined) return { outcome: 'skipped', reason: `${publicPath} is not in the document` };
    const operation = this.document.paths[documented.template]?.[method];
    if (operation === undefined || !HTTP_METHODS.has(method))
      return { outcome: 'skipped', reason: `${method.toUpperCase()} ${documented.template} is not in the document` };
    const operationId = operation.operationId ?? `${method.toUpperCase()} ${documented.template}`;

    const status = String(answer.status);
    const documentedResponse =
      operation.responses[status] ?? operation.responses[`${status[0]}XX`] ?? operation.responses.default;
    if (documentedResponse === undefined) {
      const statuses = Object.keys(operation.responses).join(', ');
      return { outcome: 'mismatch', operationId, problems: [`status ${status} is not documented (only ${statuses})`] };
    }
    const response = this.resolve<ResponseObject>(documentedResponse);
    const problems = [
      ...this.checkHeaders(answer, response),
      ...this.checkBody(answer, response, `${documented.template} ${method} ${status}`),
    ];
    return problems.length === 0 ? { outcome: 'checked', operationId } : { outcome: 'mismatch', operationId, problems };
  }

  /** Throws a `ContractMismatchError` for an answer the document does not allow. */
  assert(answer: ObservedAnswer): ContractCheck {
    const result = this.check(answer);
    if (result.outcome === 'mismatch') throw new ContractMismatchError(answer, result.problems, result.operationId);
    return result;
  }

  private checkHeaders(answer: ObservedAnswer, response: ResponseObject): string[] {
    const problems: string[] = [];
    for (const [name, declared] of Object.entries(response.headers ?? {})) {
      const header = this.resolve<HeaderObject>(declared);
      const value = answer.header(name);
      if (value === undefined) {
        if (header.required === true) problems.push(`header ${name} is required but missing`);
        continue;
      }
      if (header.schema === undefined) continue;
      const validate = this.validator(`header ${JSON.stringify(header.schema)}`, header.schema);
      if (!validate(value))
        problems.push(...(validate.errors ?? []).map((error) => describeAjvError(`header ${name}: "${value}"`, error)));
    }
    return problems;
  }

  private checkBody(answer: ObservedAnswer, response: ResponseObject, key: string): string[] {
    if (answer.method.toLowerCase() === 'head') return [];
    const content = response.content ?? {};
    const mediaTypes = Object.keys(content);
    if (mediaTypes.length === 0)
      return answer.text === '' ? [] : ['a body was sent, but this answer is documented without one'];
    const contentType = answer.header('content-type');
    const mediaType = contentType?.split(';', 1)[0]?.trim().toLowerCase() ?? '';
    const documented = content[mediaType] ?? content['*/*'];
    if (documented === undefined)
      return [`content type ${contentType ?? '(none)'} is not the documented ${mediaTypes.join(' or ')}`];
    if (documented.schema === undefined) return [];
    let body: unknown = answer.text;
    if (isJson(mediaType)) {
      try {
        body = JSON.parse(answer.text);
      } catch {
        return [`the body is not JSON, as ${mediaType} says it is`];
      }
    }
    const validate = this.validator(`${key} ${mediaType}`, documented.schema);
    return validate(body) ? [] : (validate.errors ?? []).map((error) => describeAjvError('body', error));
  }

  private validator(key: string, schema: object): ValidateFunction {
    let validate = this.compiled.get(key);
    if (validate === undefined) {
      validate = this.ajv.compile(pointSchemaRefsAtComponents(schema) as object);
      this.compiled.set(key, validate);
    }
    return validate;
  }

  /** A `$ref` to somewhere in the document (`#/components/responses/NotFound`), followed. */
  private resolve<T>(value: T | Reference): T {
    let current: unknown = value;
    for (let hops = 0; isReference(current); hops++) {
      if (hops > 10 || !current.$ref.startsWith('#/')) throw new Error(`cannot follow $ref ${current.$ref}`);
      current = current.$ref
        .slice(2)
        .split('/')
        .map((token) => token.replace(/~1/g, '/').replace(/~0/g, '~'))
        .reduce<unknown>((node, token) => (node as Record<string, unknown> | undefined)?.[token], this.document);
      if (current === undefined) throw new Error(`$ref ${(value as Reference).$ref} points at nothing`);
    }
    return current as T;
  }
}

let loaded: ApiContract | undefined;

/** The committed document (api-gateway/openapi.json), read and set up once per test worker. */
export function apiContract(): ApiContract {
  loaded ??= new ApiContract(JSON.parse(readFileSync(API_DOCUMENT_PATH, 'utf8')) as ApiDocument);
  return loaded;
}
