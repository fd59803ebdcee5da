import { createCipheriv, type Cipher } from 'node:crypto';
import { ENCRYPTION_METHODS } from './methods.js';
import { Blowfish, BLOWFISH_MAX_KEY_BYTES } from './blowfish.js';
import { Cfb8Encryptor } from './cfb8.js';
import { UnsupportedEncryptionError } from './errors.js';
import { DATA_PACKET_BYTES, INIT_IV_BYTES } from './packet.js';

/**
 * NSCA's encryption methods (`encryption_method` in send_nsca.cfg, `decryption_method` in
 * nsca.cfg). Beyond XOR, nsca uses libmcrypt in 8-bit CFB mode with the key = the password
 * NUL-padded or cut to the algorithm's largest key size and the IV = the first block of the
 * server's 128 random bytes, and one context per connection: the state runs on across packets.
 */

/** Encrypts successive packets of one connection. */
export interface PacketCipher {
  /** Encrypts one packet; may work in place. Call in sending order: the state carries over. */
  encrypt(packet: Buffer): Buffer;
}

/** Names of nsca's method numbers (common.h), for messages about ones we do not implement. */
const METHOD_NAMES: Readonly<Record<number, string>> = {
  0: 'none',
  1: 'XOR',
  2: 'DES',
  3: '3DES',
  4: 'CAST-128',
  5: 'CAST-256',
  6: 'xTEA',
  7: '3-WAY',
  8: 'Blowfish',
  9: 'Twofish',
  10: 'LOKI97',
  11: 'RC2',
  12: 'RC4',
  13: 'RC6',
  14: 'RIJNDAEL-128',
  15: 'RIJNDAEL-192',
  16: 'RIJNDAEL-256',
  17: 'MARS',
  18: 'PANAMA',
  19: 'WAKE',
  20: 'Serpent',
  21: 'IDEA',
  22: 'ENIGMA',
  23: 'GOST',
  24: 'SAFER-sk64',
  25: 'SAFER-sk128',
  26: 'SAFER+',
};

export function encryptionMethodName(method: number): string {
  return METHOD_NAMES[method] ?? 'unknown';
}

/** "14 (RIJNDAEL-128)" */
export function describeEncryptionMethod(method: number): string {
  return `${method} (${encryptionMethodName(method)})`;
}

/** The password as nsca sees it: a C string, so it ends at the first NUL. */
function passwordBytes(password: string | Uint8Array): Buffer {
  const bytes = typeof password === 'string' ? Buffer.from(password, 'utf8') : Buffer.from(password);
  const nul = bytes.indexOf(0);
  return nul < 0 ? bytes : bytes.subarray(0, nul);
}

/** libmcrypt's key: the password NUL-padded or cut to the algorithm's maximum key size. */
function keyFrom(password: Buffer, size: number): Buffer {
  const key = Buffer.alloc(size);
  password.copy(key, 0, 0, Math.min(size, password.length));
  return key;
}

function ivFrom(serverIv: Buffer, size: number): Buffer {
  if (serverIv.length < size) throw new RangeError(`the server's IV has ${serverIv.length} bytes, ${size} needed`);
  return serverIv.subarray(0, size);
}

class NoEncryption implements PacketCipher {
  encrypt(packet: Buffer): Buffer {
    return packet;
  }
}

/** Method 1: the IV, then the password, XORed over each packet from its first byte. */
class XorObfuscation implements PacketCipher {
  /** IV and password combined, byte for byte, over a whole packet: one XOR per byte after this. */
  private readonly keyStream: Buffer;
  private readonly keyWords: Uint32Array;

  constructor(iv: Buffer, password: Buffer) {
    this.keyStream = Buffer.alloc(DATA_PACKET_BYTES);
    for (let i = 0; i < DATA_PACKET_BYTES; i++) {
      // An empty password XORs with its terminating NUL in send_nsca: a no-op.
      this.keyStream[i] =
        (iv[i % INIT_IV_BYTES] ?? 0) ^ (password.length > 0 ? (password[i % password.length] ?? 0) : 0);
    }
    this.keyWords = new Uint32Array(this.keyStream.buffer, this.keyStream.byteOffset, DATA_PACKET_BYTES / 4);
  }

  encrypt(packet: Buffer): Buffer {
    if (packet.length === DATA_PACKET_BYTES && packet.byteOffset % 4 === 0) {
      // Four bytes at a time: XOR is bytewise, so the words' byte order does not matter.
      const words = new Uint32Array(packet.buffer, packet.byteOffset, DATA_PACKET_BYTES / 4);
      const key = this.keyWords;
      for (let i = 0; i < words.length; i++) words[i] = (words[i] ?? 0) ^ (key[i] ?? 0);
      return packet;
    }
    for (let i = 0; i < packet.length; i++) packet[i] = (packet[i] ?? 0) ^ (this.keyStream[i % DATA_PACKET_BYTES] ?? 0);
    return packet;
  }
}

/** A Node/OpenSSL stream cipher (cfb8): one object per connection keeps the feedback state. */
class NodeStreamCipher implements PacketCipher {
  constructor(private readonly cipher: Cipher) {}

  encrypt(packet: Buffer): Buffer {
    return this.cipher.update(packet);
  }
}

class BlockCfb8Cipher implements PacketCipher {
  constructor(private readonly cfb: Cfb8Encryptor) {}

  encrypt(packet: Buffer): Buffer {
    this.cfb.encrypt(packet);
    return packet;
  }
}

/** OpenSSL 3 keeps CAST-128 in its legacy provider, loaded only with --openssl-legacy-provider. */
function legacyCast5Ecb(key: Buffer): Cipher | null {
  try {
    const ecb = createCipheriv('cast5-ecb', key, null);
    ecb.setAutoPadding(false);
    return ecb;
  } catch {
    return null;
  }
}

export function legacyProviderLoaded(): boolean {
  return legacyCast5Ecb(Buffer.alloc(16)) !== null;
}

interface MethodImplementation {
  /** Why it cannot run in this process, or null when it can. */
  unavailable(): string | null;
  create(password: Buffer, serverIv: Buffer): PacketCipher;
}

const LEGACY_HINT =
  "it needs OpenSSL's legacy provider, which this Node.js process has not loaded: start node with --openssl-legacy-provider " +
  '(for the service: Environment=NODE_OPTIONS=--openssl-legacy-provider), or switch both sides to 3 (3DES) or 14 (RIJNDAEL-128)';

const IMPLEMENTATIONS: Readonly<Record<number, MethodImplementation>> = {
  0: { unavailable: () => null, create: () => new NoEncryption() },
  1: {
    unavailable: () => null,
    create: (password, iv) => new XorObfuscation(Buffer.from(ivFrom(iv, INIT_IV_BYTES)), password),
  },
  // Single DES is 3DES-EDE with three equal keys (E_K D_K E_K = E_K); OpenSSL 3 keeps plain DES in the legacy provider.
  2: {
    unavailable: () => null,
    create: (password, iv) => {
      const key = keyFrom(password, 8);
      return new NodeStreamCipher(createCipheriv('des-ede3-cfb8', Buffer.concat([key, key, key]), ivFrom(iv, 8)));
    },
  },
  3: {
    unavailable: () => null,
    create: (password, iv) =>
      new NodeStreamCipher(createCipheriv('des-ede3-cfb8', keyFrom(password, 24), ivFrom(iv, 8))),
  },
  4: {
    unavailable: () => (legacyProviderLoaded() ? null : LEGACY_HINT),
    create: (password, iv) => {
      const ecb = legacyCast5Ecb(keyFrom(password, 16));
      if (!ecb) throw new Error(`encryption method 4 (CAST-128): ${LEGACY_HINT}`);
      return new BlockCfb8Cipher(new Cfb8Encryptor((input, output) => ecb.update(input).copy(output), ivFrom(iv, 8)));
    },
  },
  8: {
    unavailable: () => null,
    create: (password, iv) => {
      const blowfish = new Blowfish(keyFrom(password, BLOWFISH_MAX_KEY_BYTES));
      return new BlockCfb8Cipher(
        new Cfb8Encryptor(
          (input, output) => {
            blowfish.encryptBlock(input, output);
          },
          ivFrom(iv, 8),
        ),
      );
    },
  },
  // libmcrypt's RIJNDAEL-128 has a 128-bit block but a 32-byte maximum key: always AES-256.
  14: {
    unavailable: () => null,
    create: (password, iv) =>
      new NodeStreamCipher(createCipheriv('aes-256-cfb8', keyFrom(password, 32), ivFrom(iv, 16))),
  },
};

/** The methods this process can use, in ascending order. */
export function supportedEncryptionMethods(): number[] {
  return ENCRYPTION_METHODS.filter((method) => IMPLEMENTATIONS[method]?.unavailable() === null);
}

function listMethods(methods: readonly number[]): string {
  return methods.map(describeEncryptionMethod).join(', ');
}

/** Throws UnsupportedEncryptionError, naming the method and what this machine supports, unless `method` works here. */
export function assertEncryptionMethod(method: number): void {
  const supported = supportedEncryptionMethods();
  const implementation = IMPLEMENTATIONS[method];
  if (!implementation) {
    throw new UnsupportedEncryptionError(
      method,
      `encryption method ${describeEncryptionMethod(method)} is not supported by wrapwatch; supported here: ${listMethods(supported)}`,
      supported,
    );
  }
  const why = implementation.unavailable();
  if (why !== null) {
    const missing = ENCRYPTION_METHODS.filter((m) => !supported.includes(m));
    throw new UnsupportedEncryptionError(
      method,
      `encryption method ${describeEncryptionMethod(method)} is not available: ${why}. ` +
        `Supported here: ${listMethods(supported)}; missing: ${listMethods(missing)}`,
      supported,
    );
  }
}

/** The cipher for one connection, from the password and the server's init-packet IV. */
export function createPacketCipher(method: number, password: string | Uint8Array, serverIv: Buffer): PacketCipher {
  assertEncryptionMethod(method);
  const implementation = IMPLEMENTATIONS[method];
  if (!implementation) throw new Error(`unreachable: method ${method} passed assertEncryptionMethod`);
  return implementation.create(passwordBytes(password), serverIv);
}
