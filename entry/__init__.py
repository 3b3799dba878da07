"""Wiring: builds the Application and runs it (polling, webhook, the console sandbox). The only
package that knows every handler module; nothing below imports it."""
