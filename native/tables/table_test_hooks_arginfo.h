/* This is a generated file, edit the .stub.php file instead.
 * Stub hash: 1747783b4a61afeaeba8a412660d5c29be109e6f */

ZEND_BEGIN_ARG_WITH_RETURN_TYPE_INFO_EX(arginfo_Ephpm_Octane_Testing_pause_next_table_write, 0, 0, IS_VOID, 0)
ZEND_END_ARG_INFO()


ZEND_FUNCTION(Ephpm_Octane_Testing_pause_next_table_write);


static const zend_function_entry ext_functions[] = {
	ZEND_NS_FALIAS("Ephpm\\Octane\\Testing", pause_next_table_write, Ephpm_Octane_Testing_pause_next_table_write, arginfo_Ephpm_Octane_Testing_pause_next_table_write)
	ZEND_FE_END
};
