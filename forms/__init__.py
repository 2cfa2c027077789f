"""Task dialogs (forms) opened from the GuotuKit menu instead of the bare Processing dialogs."""
