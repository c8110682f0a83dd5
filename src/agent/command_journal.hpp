// CommandJournal makes command handling idempotent across reconnects and agent restarts:
// the outcome of every finished command is appended to a file, and a command that arrives
// again is answered from the journal instead of being carried out twice.
#pragma once

#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>
#include <unordered_set>

#include <nlohmann/json.hpp>

namespace sp::agent {

struct CommandOutcome {
  bool ok = false;
  nlohmann::json result = nlohmann::json::object();
  std::string error;
};

class CommandJournal {
 public:
  // Loads the journal at `path` (created if missing). An empty path keeps it in memory.
  explicit CommandJournal(std::string path);

  std::optional<CommandOutcome> Find(const std::string& command_id) const;
  // True when the command was not running yet; it is now marked as running.
  bool Begin(const std::string& command_id);
  void Finish(const std::string& command_id, const CommandOutcome& outcome);
  size_t size() const;

 private:
  std::string path_;
  mutable std::mutex mu_;
  std::unordered_map<std::string, CommandOutcome> done_;
  std::unordered_set<std::string> running_;
};

}  // namespace sp::agent
