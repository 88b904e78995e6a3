import { generateSecret, isValidBrand } from "../../core/keys/secret-format";
import { type SecretType } from "../../core/keys/key";
import type { ObjectValue } from "./cty";
import { error, type Diagnostic } from "./diagnostics";
import { secretEphemeralSchema } from "./schema";
import { validateBlock } from "./schema-validation";

/**
 * `ephemeral "keyform_secret"`: a fresh keyform secret in every phase that opens it, made here from the
 * CSPRNG (the server's own generator) without a server call, and never written anywhere by Terraform.
 * The brand must be the server's: `KEYFORM_KEY_BRAND`, as for `keyform serve`, default `kf`.
 */
export class SecretEphemeral {
  constructor(private readonly brand: string = process.env.KEYFORM_KEY_BRAND ?? "kf") {}

  validate(config: ObjectValue): Diagnostic[] {
    return validateBlock(secretEphemeralSchema, config);
  }

  open(config: ObjectValue): { result: ObjectValue | null; diagnostics: Diagnostic[] } {
    const diagnostics = this.validate(config);
    if (!isValidBrand(this.brand)) diagnostics.push(error("Invalid KEYFORM_KEY_BRAND", "KEYFORM_KEY_BRAND must be 1-16 characters of a-z 0-9 starting with a letter, as the keyform server requires."));
    if (diagnostics.length) return { result: null, diagnostics };
    const type = (typeof config.type === "string" ? config.type : "live") as SecretType;
    return { result: { type, value: generateSecret(this.brand, type) }, diagnostics };
  }
}
