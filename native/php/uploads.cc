#include "php/uploads.h"

#include <strings.h>

#include <string>

namespace ephpm {
namespace {

// PHP's UPLOAD_ERR_* values.
constexpr int kIniSize = 1;
constexpr int kFormSize = 2;

std::vector<std::string> g_registered;  // this request's entries in SG(rfc1867_uploaded_files)

void release_filename(zval* entry) { zend_string_release_ex(static_cast<zend_string*>(Z_PTR_P(entry)), 0); }

// As main/rfc1867.c does it: the path is both key and value.
void register_uploaded_file(const std::string& path) {
  if (!SG(rfc1867_uploaded_files)) {
    ALLOC_HASHTABLE(SG(rfc1867_uploaded_files));
    zend_hash_init(SG(rfc1867_uploaded_files), 8, nullptr, release_filename, 0);
  }
  zend_string* name = zend_string_init(path.data(), path.size(), 0);
  if (zend_hash_add_ptr(SG(rfc1867_uploaded_files), name, name)) {
    g_registered.push_back(path);
  } else {
    zend_string_release_ex(name, 0);
  }
}

// rfc1867.c's php_ap_basename: what follows the last '/' or '\'.
std::string client_basename(const std::string& filename) {
  size_t slash = filename.find_last_of("/\\");
  return slash == std::string::npos ? filename : filename.substr(slash + 1);
}

// rfc1867.c skips a file whose field name has unbalanced brackets or text
// after a closing one ("never repair potential malicious user input").
bool brackets_balanced(const std::string& name) {
  long depth = 0;
  for (size_t i = 0; i < name.size(); i++) {
    if (name[i] == '[') {
      depth++;
    } else if (name[i] == ']') {
      depth--;
      if (i + 1 < name.size() && name[i + 1] != '[') return false;
    }
    if (depth < 0) return false;
  }
  return depth == 0;
}

void register_string(const std::string& key, const std::string& value, zval* array) {
  php_register_variable_safe(key.c_str(), value.data(), value.size(), array);
}

void register_long(const std::string& key, zend_long value, zval* array) {
  zval number;
  ZVAL_LONG(&number, value);
  php_register_variable_ex(key.c_str(), &number, array);
}

// "f" gives f[name], f[type]...; "f[a][b]" gives f[name][a][b], f[type][a][b]...
// PHP's variable registration then nests them into $_FILES' shape.
void add_file(const std::string& field, const FormPart& part, int error, zval* files) {
  size_t bracket = field.find('[');
  bool in_array = bracket != std::string::npos && field.back() == ']';
  std::string base = in_array ? field.substr(0, bracket) : field;
  std::string index = in_array ? field.substr(bracket + 1, field.size() - bracket - 2) : "";
  auto key = [&](const char* item) { return base + "[" + item + "]" + (in_array ? "[" + index + "]" : ""); };

  register_string(key("name"), client_basename(part.value), files);
  register_string(key("full_path"), part.value, files);
  register_string(key("type"), error ? std::string() : part.type, files);
  register_string(key("tmp_name"), error ? std::string() : part.path, files);
  register_long(key("error"), error, files);
  register_long(key("size"), error ? 0 : part.size, files);
  if (!error) register_uploaded_file(part.path);
}

}  // namespace

// The limits PHP applies while reading the body: max_input_vars for fields,
// file_uploads, max_file_uploads, upload_max_filesize and a MAX_FILE_SIZE field
// for files. Node wrote every file; one PHP refuses here is removed with the rest.
void build_multipart_form(const std::vector<FormPart>& parts, zval* post, zval* files) {
  array_init(post);
  array_init(files);
  zend_long fields = 0;
  zend_long uploads_left = INI_INT("max_file_uploads");
  zend_long max_file_size = 0;
  unsigned anonymous = 0;
  for (const auto& part : parts) {
    if (!part.is_file) {
      if (part.name.empty()) continue;
      if (++fields <= PG(max_input_vars)) {
        register_string(part.name, part.value, post);
      } else if (fields == PG(max_input_vars) + 1) {
        php_error_docref(nullptr, E_WARNING,
                         "Input variables exceeded " ZEND_LONG_FMT
                         ". To increase the limit change max_input_vars in php.ini.",
                         PG(max_input_vars));
      }
      if (strcasecmp(part.name.c_str(), "MAX_FILE_SIZE") == 0)
        max_file_size = ZEND_STRTOL(part.value.c_str(), nullptr, 10);
      continue;
    }
    if (!PG(file_uploads)) continue;
    if (uploads_left <= 0) {
      if (uploads_left-- == 0)
        php_error_docref(nullptr, E_WARNING, "Maximum number of allowable file uploads has been exceeded");
      continue;
    }
    std::string field = part.name.empty() ? std::to_string(anonymous++) : part.name;
    if (!brackets_balanced(field)) continue;
    int error = part.error;
    if (error != 4) uploads_left--;  // UPLOAD_ERR_NO_FILE opens no temp file
    if (!error && PG(upload_max_filesize) > 0 && part.size > PG(upload_max_filesize)) {
      error = kIniSize;
    } else if (!error && max_file_size && part.size > max_file_size) {
      error = kFormSize;
    }
    add_file(field, part, error, files);
  }
}

void forget_uploaded_files() {
  if (SG(rfc1867_uploaded_files)) {
    for (const auto& path : g_registered) zend_hash_str_del(SG(rfc1867_uploaded_files), path.data(), path.size());
  }
  g_registered.clear();
}

}  // namespace ephpm
