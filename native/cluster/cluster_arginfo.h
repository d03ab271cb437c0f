/* This is a generated file, edit the .stub.php file instead.
 * Stub hash: 5ccb94a87e9bd32dc80a387337b3b87ffb1dff84 */

ZEND_BEGIN_ARG_WITH_RETURN_TYPE_INFO_EX(arginfo_Ephpm_Octane_Cluster_columns, 0, 1, IS_ARRAY, 0)
	ZEND_ARG_OBJ_INFO(0, table, Ephpm\\Octane\\Table, 0)
ZEND_END_ARG_INFO()

ZEND_BEGIN_ARG_WITH_RETURN_TYPE_INFO_EX(arginfo_Ephpm_Octane_Cluster_encode_row, 0, 2, IS_ARRAY, 0)
	ZEND_ARG_OBJ_INFO(0, table, Ephpm\\Octane\\Table, 0)
	ZEND_ARG_TYPE_INFO(0, row, IS_ARRAY, 0)
ZEND_END_ARG_INFO()

ZEND_BEGIN_ARG_WITH_RETURN_TYPE_INFO_EX(arginfo_Ephpm_Octane_Cluster_encode_step, 0, 3, IS_ARRAY, 0)
	ZEND_ARG_OBJ_INFO(0, table, Ephpm\\Octane\\Table, 0)
	ZEND_ARG_TYPE_INFO(0, column, IS_STRING, 0)
	ZEND_ARG_TYPE_MASK(0, by, MAY_BE_LONG|MAY_BE_DOUBLE, NULL)
ZEND_END_ARG_INFO()


ZEND_FUNCTION(Ephpm_Octane_Cluster_columns);
ZEND_FUNCTION(Ephpm_Octane_Cluster_encode_row);
ZEND_FUNCTION(Ephpm_Octane_Cluster_encode_step);


static const zend_function_entry ext_functions[] = {
	ZEND_NS_FALIAS("Ephpm\\Octane\\Cluster", columns, Ephpm_Octane_Cluster_columns, arginfo_Ephpm_Octane_Cluster_columns)
	ZEND_NS_FALIAS("Ephpm\\Octane\\Cluster", encode_row, Ephpm_Octane_Cluster_encode_row, arginfo_Ephpm_Octane_Cluster_encode_row)
	ZEND_NS_FALIAS("Ephpm\\Octane\\Cluster", encode_step, Ephpm_Octane_Cluster_encode_step, arginfo_Ephpm_Octane_Cluster_encode_step)
	ZEND_FE_END
};
