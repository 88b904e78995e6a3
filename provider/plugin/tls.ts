import "reflect-metadata"; // @peculiar/x509 uses tsyringe, which needs the Reflect metadata polyfill
import { webcrypto } from "node:crypto";
import * as x509 from "@peculiar/x509";

x509.cryptoProvider.set(webcrypto as unknown as Crypto);

export interface SelfSignedCert {
  /** PEM of the certificate. */
  certPem: string;
  /** PEM (PKCS #8) of its private key. */
  keyPem: string;
  /** DER bytes of the certificate. */
  der: Buffer;
}

const ECDSA_P256 = { name: "ECDSA", namedCurve: "P-256", hash: "SHA-256" };

/**
 * A fresh ECDSA P-256 certificate for `localhost`, its own CA, usable for server and client auth:
 * the shape go-plugin's AutoMTLS expects on both ends of the connection.
 */
export async function generateSelfSignedCert(commonName = "localhost"): Promise<SelfSignedCert> {
  const keys = (await webcrypto.subtle.generateKey(ECDSA_P256, true, ["sign", "verify"])) as CryptoKeyPair;
  const serial = Buffer.from(webcrypto.getRandomValues(new Uint8Array(16)));
  serial[0] &= 0x7f; // a positive serial number: Go's x509 parser refuses negative ones
  serial[0] |= 0x01;
  const now = Date.now();
  const cert = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: serial.toString("hex"),
    name: `CN=${commonName}, O=keyform`,
    notBefore: new Date(now - 30_000),
    notAfter: new Date(now + 30 * 24 * 3600_000),
    signingAlgorithm: ECDSA_P256,
    keys,
    extensions: [
      new x509.BasicConstraintsExtension(true, undefined, true),
      new x509.KeyUsagesExtension(
        x509.KeyUsageFlags.digitalSignature | x509.KeyUsageFlags.keyEncipherment | x509.KeyUsageFlags.keyAgreement | x509.KeyUsageFlags.keyCertSign,
        true,
      ),
      new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.serverAuth, x509.ExtendedKeyUsage.clientAuth]),
      new x509.SubjectAlternativeNameExtension([{ type: "dns", value: "localhost" }]),
      await x509.SubjectKeyIdentifierExtension.create(keys.publicKey),
    ],
  });
  const pkcs8 = Buffer.from(await webcrypto.subtle.exportKey("pkcs8", keys.privateKey));
  return {
    certPem: cert.toString("pem"),
    keyPem: `-----BEGIN PRIVATE KEY-----\n${pkcs8.toString("base64").replace(/.{64}/g, "$&\n").replace(/\n?$/, "\n")}-----END PRIVATE KEY-----\n`,
    der: Buffer.from(cert.rawData),
  };
}

/** The certificate as go-plugin's handshake line carries it: base64 of the DER, without padding. */
export function handshakeCertField(der: Buffer): string {
  return der.toString("base64").replace(/=+$/, "");
}

/** The inverse of `handshakeCertField`, as PEM. */
export function certPemFromHandshake(field: string): string {
  const b64 = Buffer.from(field, "base64").toString("base64");
  return `-----BEGIN CERTIFICATE-----\n${b64.replace(/.{64}/g, "$&\n").replace(/\n?$/, "\n")}-----END CERTIFICATE-----\n`;
}
