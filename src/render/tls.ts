
export interface TlsMaterial {
  cert: string;
  key: string;
}

/** A self-signed certificate for the lab's domain and its www name, valid for a year. */
export async function generateCertificate(domain: string): Promise<TlsMaterial> {
  const { default: selfsigned } = await import('selfsigned');
  const pems = await selfsigned.generate([{ name: 'commonName', value: `www.${domain}` }], {
    notAfterDate: new Date(Date.now() + 365 * 24 * 3600 * 1000),
    keySize: 2048,
    algorithm: 'sha256',
    extensions: [
      { name: 'basicConstraints', cA: false },
      { name: 'keyUsage', digitalSignature: true, keyEncipherment: true },
      { name: 'extKeyUsage', serverAuth: true },
      { name: 'subjectAltName', altNames: [{ type: 2, value: `www.${domain}` }, { type: 2, value: domain }] },
    ],
  });
  const withNewline = (pem: string) => (pem.endsWith('\n') ? pem : `${pem}\n`);
  return { cert: withNewline(pems.cert), key: withNewline(pems.private) };
}
