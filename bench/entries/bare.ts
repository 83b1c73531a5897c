// The runtime's bare start: a program that does nothing, built like the plugin.
export {};
