#pragma once
/// The assistant's backend options (issue #21): their rows of the option table and the step that
/// turns them into ai::ai_options once every source was read (which backend, the key file).

#include <string>
#include <vector>

#include "app/options.hpp"

namespace chat::app {

struct node_config;

/// Appends the backend rows (`--ai-url`, `--ai-webhook-url`, `--ai-model`, `--ai-api-key`,
/// `--ai-api-key-file`, `--ai-ca-file`, `--ai-idle-timeout`, `--ai-timeout`) to `rows`.
void add_ai_backend_options(std::vector<option>& rows);

/// Decides the backend from the loaded options: `--ai-url` (OpenAI-compatible, needs `--ai-model`),
/// `--ai-webhook-url` (n8n), neither (no assistant), never both; reads `--ai-api-key-file` (at most
/// one of it and `--ai-api-key`); ties the assistant's reply deadline to `--ai-timeout`.
/// On a bad combination returns false and sets `why` to one line that never holds the key.
bool resolve_ai(node_config& cfg, std::string& why);

} // namespace chat::app
