// The runtime's start plus loading execa and nothing else: execa's share of the plugin's start.
export { execa } from 'execa';
