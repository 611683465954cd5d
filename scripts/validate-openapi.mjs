#!/usr/bin/env node
// Validates an OpenAPI document file against the OpenAPI 3.x JSON schemas
// (@seriousme/openapi-schema-validator, an ES module: test/security/openapi.spec.ts
// runs this in a child process). Prints the validator's answer; exit 0 when valid.
import { Validator } from '@seriousme/openapi-schema-validator';

const file = process.argv[2];
if (!file || file === '--help' || file === '-h') {
  console.log(
    'usage: node scripts/validate-openapi.mjs <openapi.json>\n\nexample: node scripts/validate-openapi.mjs /tmp/openapi.json',
  );
  process.exit(file ? 0 : 2);
}
const result = await new Validator().validate(file);
console.log(JSON.stringify(result));
process.exit(result.valid ? 0 : 1);
