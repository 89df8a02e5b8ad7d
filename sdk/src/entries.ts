// Entry names live in the contract the SDK and the kernel share (schemas/contract).
export * from '@dotmac/schemas/contract/entries';
