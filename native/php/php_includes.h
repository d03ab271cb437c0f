// PHP's headers are C; they compile as C++ inside extern "C".
#pragma once

extern "C" {
#include <php.h>
#include <SAPI.h>
#include <php_main.h>
#include <php_variables.h>
#include <sapi/embed/php_embed.h>
#include <ext/standard/dl.h>
#include <ext/standard/url.h>
#include <Zend/zend_exceptions.h>
#include <Zend/zend_signal.h>
}
