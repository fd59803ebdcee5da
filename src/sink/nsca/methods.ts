/**
 * NSCA `encryption_method` numbers this client implements (4, CAST-128, needs OpenSSL's legacy
 * provider: see ciphers.ts). A constant of its own, so the config schema can name them without
 * loading the ciphers.
 */
export const ENCRYPTION_METHODS = [0, 1, 2, 3, 4, 8, 14] as const;
