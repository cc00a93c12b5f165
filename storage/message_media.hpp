#pragma once
/// Messages carrying files or a location (issue #24), C++ side: the file list the send scripts take,
/// and the `attachments` / `location` fields of a stored row as history shows them (normalise_message).
/// The Lua side (checking and attaching files, the row's fields) is lua_media.hpp.

#include <string>
#include <vector>

#include <rapidjson/document.h>

namespace chat::storage {

/// The file ids of a message as the scripts take them: separated by single spaces ("" for none).
std::string file_list(const std::vector<std::string>& ids);

/// Appends `,"attachments":[…]` and `,"location":{…}` of a decoded stored row (each only when
/// present and well formed): attachments `{"id","name","size","type","width"?,"height"?,"url"}` (entries
/// of other shapes left out), the location `{"lat","lon","accuracy"?,"label"?}` with numbers as numbers.
void append_media_fields(std::string& out, const rapidjson::Value& row);

} // namespace chat::storage
