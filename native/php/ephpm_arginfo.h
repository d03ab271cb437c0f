/* This is a generated file, edit the .stub.php file instead.
 * Stub hash: cbde98bf5d06707d887a8934ed758eb6728391a4 */

ZEND_BEGIN_ARG_WITH_RETURN_TYPE_INFO_EX(arginfo_Ephpm_Octane_take_request, 0, 0, IS_ARRAY, 1)
ZEND_END_ARG_INFO()

ZEND_BEGIN_ARG_WITH_RETURN_TYPE_INFO_EX(arginfo_Ephpm_Octane_send_response, 0, 0, IS_VOID, 0)
	ZEND_ARG_TYPE_INFO_WITH_DEFAULT_VALUE(0, status, IS_LONG, 0, "200")
	ZEND_ARG_TYPE_INFO_WITH_DEFAULT_VALUE(0, headers, IS_ARRAY, 0, "[]")
	ZEND_ARG_TYPE_INFO_WITH_DEFAULT_VALUE(0, body, IS_STRING, 0, "\"\"")
ZEND_END_ARG_INFO()

ZEND_BEGIN_ARG_WITH_RETURN_TYPE_INFO_EX(arginfo_Ephpm_Octane_start_response, 0, 0, IS_VOID, 0)
	ZEND_ARG_TYPE_INFO_WITH_DEFAULT_VALUE(0, status, IS_LONG, 0, "200")
	ZEND_ARG_TYPE_INFO_WITH_DEFAULT_VALUE(0, headers, IS_ARRAY, 0, "[]")
ZEND_END_ARG_INFO()

ZEND_BEGIN_ARG_WITH_RETURN_TYPE_INFO_EX(arginfo_Ephpm_Octane_send_chunk, 0, 1, _IS_BOOL, 0)
	ZEND_ARG_TYPE_INFO(0, chunk, IS_STRING, 0)
ZEND_END_ARG_INFO()

ZEND_BEGIN_ARG_WITH_RETURN_TYPE_INFO_EX(arginfo_Ephpm_Octane_end_response, 0, 0, IS_VOID, 0)
ZEND_END_ARG_INFO()

ZEND_BEGIN_ARG_WITH_RETURN_TYPE_INFO_EX(arginfo_Ephpm_Octane_send_early_hints, 0, 1, IS_VOID, 0)
	ZEND_ARG_TYPE_INFO(0, headers, IS_ARRAY, 0)
ZEND_END_ARG_INFO()


ZEND_FUNCTION(Ephpm_Octane_take_request);
ZEND_FUNCTION(Ephpm_Octane_send_response);
ZEND_FUNCTION(Ephpm_Octane_start_response);
ZEND_FUNCTION(Ephpm_Octane_send_chunk);
ZEND_FUNCTION(Ephpm_Octane_end_response);
ZEND_FUNCTION(Ephpm_Octane_send_early_hints);


static const zend_function_entry ext_functions[] = {
	ZEND_NS_FALIAS("Ephpm\\Octane", take_request, Ephpm_Octane_take_request, arginfo_Ephpm_Octane_take_request)
	ZEND_NS_FALIAS("Ephpm\\Octane", send_response, Ephpm_Octane_send_response, arginfo_Ephpm_Octane_send_response)
	ZEND_NS_FALIAS("Ephpm\\Octane", start_response, Ephpm_Octane_start_response, arginfo_Ephpm_Octane_start_response)
	ZEND_NS_FALIAS("Ephpm\\Octane", send_chunk, Ephpm_Octane_send_chunk, arginfo_Ephpm_Octane_send_chunk)
	ZEND_NS_FALIAS("Ephpm\\Octane", end_response, Ephpm_Octane_end_response, arginfo_Ephpm_Octane_end_response)
	ZEND_NS_FALIAS("Ephpm\\Octane", send_early_hints, Ephpm_Octane_send_early_hints, arginfo_Ephpm_Octane_send_early_hints)
	ZEND_FE_END
};
