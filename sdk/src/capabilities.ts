// The capability wire contract lives where the SDK and the kernel share it (schemas/contract).
export * from '@dotmac/schemas/contract/capabilities';
