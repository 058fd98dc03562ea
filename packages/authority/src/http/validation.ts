/**
 * Request validation. Bodies are validated strictly: no type coercion, no silently dropped
 * unknown fields (an unknown field is an error, so a typo such as `scope` for `scopes` is
 * caught instead of ignored). Query strings and path parameters are text on the wire, so
 * there numbers and booleans are coerced.
 */
import AjvModule, { type Options } from "ajv";
import addFormatsModule from "ajv-formats";
import type { FastifySchema, FastifySchemaCompiler } from "fastify";

// Both are CommonJS modules with a `default` export: under NodeNext the import is the module.
const Ajv = AjvModule.default;
const addFormats = addFormatsModule.default;

function makeAjv(options: Options) {
  const ajv = new Ajv({ allErrors: false, useDefaults: true, removeAdditional: false, strict: false, ...options });
  addFormats(ajv);
  return ajv;
}

export function createValidatorCompiler(): FastifySchemaCompiler<FastifySchema> {
  const strict = makeAjv({ coerceTypes: false });
  const coercing = makeAjv({ coerceTypes: "array" });
  return ({ schema, httpPart }) => {
    const ajv = httpPart === "body" ? strict : coercing;
    return ajv.compile(schema as object) as ReturnType<FastifySchemaCompiler<FastifySchema>>;
  };
}
