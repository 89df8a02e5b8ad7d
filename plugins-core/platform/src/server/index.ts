// The platform portal's screens need no server code of their own (they call the kernel's API),
// but every plugin is a sandboxed script: this one registers no handler.
import { definePlugin } from '@dotmac/sdk';

export default definePlugin({});
