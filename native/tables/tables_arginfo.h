/* This is a generated file, edit the .stub.php file instead.
 * Stub hash: d30097ca81eb4a60c12c7e42604f1d7fe639e178 */

ZEND_BEGIN_ARG_WITH_RETURN_OBJ_INFO_EX(arginfo_Ephpm_Octane_table, 0, 1, Ephpm\\Octane\\Table, 0)
	ZEND_ARG_TYPE_INFO(0, name, IS_STRING, 0)
	ZEND_ARG_TYPE_INFO_WITH_DEFAULT_VALUE(0, swoole, _IS_BOOL, 0, "false")
ZEND_END_ARG_INFO()

ZEND_BEGIN_ARG_WITH_RETURN_TYPE_INFO_EX(arginfo_Ephpm_Octane_tables, 0, 0, IS_ARRAY, 0)
ZEND_END_ARG_INFO()

ZEND_BEGIN_ARG_INFO_EX(arginfo_class_Ephpm_Octane_Table___construct, 0, 0, 0)
ZEND_END_ARG_INFO()

ZEND_BEGIN_ARG_WITH_RETURN_TYPE_INFO_EX(arginfo_class_Ephpm_Octane_Table_get, 0, 1, IS_MIXED, 0)
	ZEND_ARG_TYPE_INFO(0, key, IS_STRING, 0)
	ZEND_ARG_TYPE_INFO_WITH_DEFAULT_VALUE(0, field, IS_STRING, 1, "null")
ZEND_END_ARG_INFO()

ZEND_BEGIN_ARG_WITH_RETURN_TYPE_INFO_EX(arginfo_class_Ephpm_Octane_Table_set, 0, 2, _IS_BOOL, 0)
	ZEND_ARG_TYPE_INFO(0, key, IS_STRING, 0)
	ZEND_ARG_TYPE_INFO(0, row, IS_ARRAY, 0)
ZEND_END_ARG_INFO()

ZEND_BEGIN_ARG_WITH_RETURN_TYPE_MASK_EX(arginfo_class_Ephpm_Octane_Table_incr, 0, 2, MAY_BE_LONG|MAY_BE_DOUBLE)
	ZEND_ARG_TYPE_INFO(0, key, IS_STRING, 0)
	ZEND_ARG_TYPE_INFO(0, column, IS_STRING, 0)
	ZEND_ARG_TYPE_MASK(0, by, MAY_BE_LONG|MAY_BE_DOUBLE, "1")
ZEND_END_ARG_INFO()

#define arginfo_class_Ephpm_Octane_Table_decr arginfo_class_Ephpm_Octane_Table_incr

ZEND_BEGIN_ARG_WITH_RETURN_TYPE_INFO_EX(arginfo_class_Ephpm_Octane_Table_exists, 0, 1, _IS_BOOL, 0)
	ZEND_ARG_TYPE_INFO(0, key, IS_STRING, 0)
ZEND_END_ARG_INFO()

#define arginfo_class_Ephpm_Octane_Table_exist arginfo_class_Ephpm_Octane_Table_exists

#define arginfo_class_Ephpm_Octane_Table_del arginfo_class_Ephpm_Octane_Table_exists

ZEND_BEGIN_ARG_WITH_RETURN_TYPE_INFO_EX(arginfo_class_Ephpm_Octane_Table_count, 0, 0, IS_LONG, 0)
ZEND_END_ARG_INFO()

#define arginfo_class_Ephpm_Octane_Table_getSize arginfo_class_Ephpm_Octane_Table_count

#define arginfo_class_Ephpm_Octane_Table_getMemorySize arginfo_class_Ephpm_Octane_Table_count

ZEND_BEGIN_ARG_WITH_RETURN_TYPE_INFO_EX(arginfo_class_Ephpm_Octane_Table_rewind, 0, 0, IS_VOID, 0)
ZEND_END_ARG_INFO()

#define arginfo_class_Ephpm_Octane_Table_next arginfo_class_Ephpm_Octane_Table_rewind

ZEND_BEGIN_ARG_WITH_RETURN_TYPE_INFO_EX(arginfo_class_Ephpm_Octane_Table_valid, 0, 0, _IS_BOOL, 0)
ZEND_END_ARG_INFO()

ZEND_BEGIN_ARG_WITH_RETURN_TYPE_INFO_EX(arginfo_class_Ephpm_Octane_Table_key, 0, 0, IS_MIXED, 0)
ZEND_END_ARG_INFO()

#define arginfo_class_Ephpm_Octane_Table_current arginfo_class_Ephpm_Octane_Table_key

ZEND_BEGIN_ARG_WITH_RETURN_OBJ_INFO_EX(arginfo_class_Ephpm_Octane_Table_strong, 0, 0, Ephpm\\Octane\\Cluster\\StrongTable, 0)
ZEND_END_ARG_INFO()


ZEND_FUNCTION(Ephpm_Octane_table);
ZEND_FUNCTION(Ephpm_Octane_tables);
ZEND_METHOD(Ephpm_Octane_Table, __construct);
ZEND_METHOD(Ephpm_Octane_Table, get);
ZEND_METHOD(Ephpm_Octane_Table, set);
ZEND_METHOD(Ephpm_Octane_Table, incr);
ZEND_METHOD(Ephpm_Octane_Table, decr);
ZEND_METHOD(Ephpm_Octane_Table, exists);
ZEND_METHOD(Ephpm_Octane_Table, del);
ZEND_METHOD(Ephpm_Octane_Table, count);
ZEND_METHOD(Ephpm_Octane_Table, getSize);
ZEND_METHOD(Ephpm_Octane_Table, getMemorySize);
ZEND_METHOD(Ephpm_Octane_Table, rewind);
ZEND_METHOD(Ephpm_Octane_Table, next);
ZEND_METHOD(Ephpm_Octane_Table, valid);
ZEND_METHOD(Ephpm_Octane_Table, key);
ZEND_METHOD(Ephpm_Octane_Table, current);
ZEND_METHOD(Ephpm_Octane_Table, strong);


static const zend_function_entry ext_functions[] = {
	ZEND_NS_FALIAS("Ephpm\\Octane", table, Ephpm_Octane_table, arginfo_Ephpm_Octane_table)
	ZEND_NS_FALIAS("Ephpm\\Octane", tables, Ephpm_Octane_tables, arginfo_Ephpm_Octane_tables)
	ZEND_FE_END
};


static const zend_function_entry class_Ephpm_Octane_Table_methods[] = {
	ZEND_ME(Ephpm_Octane_Table, __construct, arginfo_class_Ephpm_Octane_Table___construct, ZEND_ACC_PRIVATE)
	ZEND_ME(Ephpm_Octane_Table, get, arginfo_class_Ephpm_Octane_Table_get, ZEND_ACC_PUBLIC)
	ZEND_ME(Ephpm_Octane_Table, set, arginfo_class_Ephpm_Octane_Table_set, ZEND_ACC_PUBLIC)
	ZEND_ME(Ephpm_Octane_Table, incr, arginfo_class_Ephpm_Octane_Table_incr, ZEND_ACC_PUBLIC)
	ZEND_ME(Ephpm_Octane_Table, decr, arginfo_class_Ephpm_Octane_Table_decr, ZEND_ACC_PUBLIC)
	ZEND_ME(Ephpm_Octane_Table, exists, arginfo_class_Ephpm_Octane_Table_exists, ZEND_ACC_PUBLIC)
	ZEND_MALIAS(Ephpm_Octane_Table, exist, exists, arginfo_class_Ephpm_Octane_Table_exist, ZEND_ACC_PUBLIC)
	ZEND_ME(Ephpm_Octane_Table, del, arginfo_class_Ephpm_Octane_Table_del, ZEND_ACC_PUBLIC)
	ZEND_ME(Ephpm_Octane_Table, count, arginfo_class_Ephpm_Octane_Table_count, ZEND_ACC_PUBLIC)
	ZEND_ME(Ephpm_Octane_Table, getSize, arginfo_class_Ephpm_Octane_Table_getSize, ZEND_ACC_PUBLIC)
	ZEND_ME(Ephpm_Octane_Table, getMemorySize, arginfo_class_Ephpm_Octane_Table_getMemorySize, ZEND_ACC_PUBLIC)
	ZEND_ME(Ephpm_Octane_Table, rewind, arginfo_class_Ephpm_Octane_Table_rewind, ZEND_ACC_PUBLIC)
	ZEND_ME(Ephpm_Octane_Table, next, arginfo_class_Ephpm_Octane_Table_next, ZEND_ACC_PUBLIC)
	ZEND_ME(Ephpm_Octane_Table, valid, arginfo_class_Ephpm_Octane_Table_valid, ZEND_ACC_PUBLIC)
	ZEND_ME(Ephpm_Octane_Table, key, arginfo_class_Ephpm_Octane_Table_key, ZEND_ACC_PUBLIC)
	ZEND_ME(Ephpm_Octane_Table, current, arginfo_class_Ephpm_Octane_Table_current, ZEND_ACC_PUBLIC)
	ZEND_ME(Ephpm_Octane_Table, strong, arginfo_class_Ephpm_Octane_Table_strong, ZEND_ACC_PUBLIC)
	ZEND_FE_END
};


static const zend_function_entry class_Ephpm_Octane_TableException_methods[] = {
	ZEND_FE_END
};


static const zend_function_entry class_Ephpm_Octane_InvalidTableArgument_methods[] = {
	ZEND_FE_END
};


static const zend_function_entry class_Ephpm_Octane_ValueTooLargeForColumnException_methods[] = {
	ZEND_FE_END
};

static zend_class_entry *register_class_Ephpm_Octane_Table(zend_class_entry *class_entry_Iterator, zend_class_entry *class_entry_Countable)
{
	zend_class_entry ce, *class_entry;

	INIT_NS_CLASS_ENTRY(ce, "Ephpm\\Octane", "Table", class_Ephpm_Octane_Table_methods);
	class_entry = zend_register_internal_class_ex(&ce, NULL);
	class_entry->ce_flags |= ZEND_ACC_FINAL|ZEND_ACC_NO_DYNAMIC_PROPERTIES|ZEND_ACC_NOT_SERIALIZABLE;
	zend_class_implements(class_entry, 2, class_entry_Iterator, class_entry_Countable);

	return class_entry;
}

static zend_class_entry *register_class_Ephpm_Octane_TableException(zend_class_entry *class_entry_RuntimeException)
{
	zend_class_entry ce, *class_entry;

	INIT_NS_CLASS_ENTRY(ce, "Ephpm\\Octane", "TableException", class_Ephpm_Octane_TableException_methods);
	class_entry = zend_register_internal_class_ex(&ce, class_entry_RuntimeException);

	return class_entry;
}

static zend_class_entry *register_class_Ephpm_Octane_InvalidTableArgument(zend_class_entry *class_entry_InvalidArgumentException)
{
	zend_class_entry ce, *class_entry;

	INIT_NS_CLASS_ENTRY(ce, "Ephpm\\Octane", "InvalidTableArgument", class_Ephpm_Octane_InvalidTableArgument_methods);
	class_entry = zend_register_internal_class_ex(&ce, class_entry_InvalidArgumentException);

	return class_entry;
}

static zend_class_entry *register_class_Ephpm_Octane_ValueTooLargeForColumnException(zend_class_entry *class_entry_Ephpm_Octane_InvalidTableArgument)
{
	zend_class_entry ce, *class_entry;

	INIT_NS_CLASS_ENTRY(ce, "Ephpm\\Octane", "ValueTooLargeForColumnException", class_Ephpm_Octane_ValueTooLargeForColumnException_methods);
	class_entry = zend_register_internal_class_ex(&ce, class_entry_Ephpm_Octane_InvalidTableArgument);

	return class_entry;
}
