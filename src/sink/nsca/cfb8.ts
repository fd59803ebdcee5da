/**
 * 8-bit cipher feedback over any block cipher, for the algorithms OpenSSL has no `-cfb8` mode
 * for. This is libmcrypt's "cfb" mode as nsca uses it: per byte, encrypt the shift register,
 * XOR its first byte into the data, shift the resulting ciphertext byte in. The register lives
 * as long as the object, so one instance per connection carries the state across packets.
 */

/** Encrypts one block `input` into `output` (same length, the cipher's block size). */
export type BlockEncrypt = (input: Uint8Array, output: Uint8Array) => void;

export class Cfb8Encryptor {
  private readonly register: Uint8Array;
  private readonly keystream: Uint8Array;

  constructor(
    private readonly encryptBlock: BlockEncrypt,
    iv: Uint8Array,
  ) {
    this.register = Uint8Array.from(iv);
    this.keystream = new Uint8Array(iv.length);
  }

  /** Encrypts `data` in place and returns it. */
  encrypt(data: Uint8Array): Uint8Array {
    const register = this.register;
    const last = register.length - 1;
    for (let i = 0; i < data.length; i++) {
      this.encryptBlock(register, this.keystream);
      const cipherByte = (data[i] ?? 0) ^ (this.keystream[0] ?? 0);
      for (let j = 0; j < last; j++) register[j] = register[j + 1] ?? 0;
      register[last] = cipherByte;
      data[i] = cipherByte;
    }
    return data;
  }
}
