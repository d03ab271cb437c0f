/* This is a generated file, edit the .stub.php file instead.
 * Stub hash: 39bd4db7ab98df944b6a13603244ce063570c6b3 */

ZEND_BEGIN_ARG_WITH_RETURN_TYPE_INFO_EX(arginfo_Ephpm_Octane_worker_role, 0, 0, IS_STRING, 0)
ZEND_END_ARG_INFO()

ZEND_BEGIN_ARG_WITH_RETURN_TYPE_INFO_EX(arginfo_Ephpm_Octane_take_task, 0, 0, IS_STRING, 1)
ZEND_END_ARG_INFO()

ZEND_BEGIN_ARG_WITH_RETURN_TYPE_INFO_EX(arginfo_Ephpm_Octane_finish_task, 0, 0, IS_VOID, 0)
	ZEND_ARG_TYPE_INFO_WITH_DEFAULT_VALUE(0, result, IS_STRING, 0, "\"\"")
ZEND_END_ARG_INFO()

ZEND_BEGIN_ARG_WITH_RETURN_TYPE_INFO_EX(arginfo_Ephpm_Octane_fail_task, 0, 1, IS_VOID, 0)
	ZEND_ARG_OBJ_INFO(0, error, Throwable, 0)
ZEND_END_ARG_INFO()

ZEND_BEGIN_ARG_WITH_RETURN_TYPE_INFO_EX(arginfo_Ephpm_Octane_take_tick, 0, 0, IS_ARRAY, 1)
ZEND_END_ARG_INFO()

ZEND_BEGIN_ARG_WITH_RETURN_TYPE_INFO_EX(arginfo_Ephpm_Octane_run_tasks, 0, 1, IS_ARRAY, 0)
	ZEND_ARG_TYPE_INFO(0, tasks, IS_ARRAY, 0)
	ZEND_ARG_TYPE_INFO_WITH_DEFAULT_VALUE(0, waitMilliseconds, IS_LONG, 0, "3000")
ZEND_END_ARG_INFO()

ZEND_BEGIN_ARG_WITH_RETURN_TYPE_INFO_EX(arginfo_Ephpm_Octane_dispatch_tasks, 0, 1, IS_VOID, 0)
	ZEND_ARG_TYPE_INFO(0, tasks, IS_ARRAY, 0)
ZEND_END_ARG_INFO()


ZEND_FUNCTION(Ephpm_Octane_worker_role);
ZEND_FUNCTION(Ephpm_Octane_take_task);
ZEND_FUNCTION(Ephpm_Octane_finish_task);
ZEND_FUNCTION(Ephpm_Octane_fail_task);
ZEND_FUNCTION(Ephpm_Octane_take_tick);
ZEND_FUNCTION(Ephpm_Octane_run_tasks);
ZEND_FUNCTION(Ephpm_Octane_dispatch_tasks);


static const zend_function_entry ext_functions[] = {
	ZEND_NS_FALIAS("Ephpm\\Octane", worker_role, Ephpm_Octane_worker_role, arginfo_Ephpm_Octane_worker_role)
	ZEND_NS_FALIAS("Ephpm\\Octane", take_task, Ephpm_Octane_take_task, arginfo_Ephpm_Octane_take_task)
	ZEND_NS_FALIAS("Ephpm\\Octane", finish_task, Ephpm_Octane_finish_task, arginfo_Ephpm_Octane_finish_task)
	ZEND_NS_FALIAS("Ephpm\\Octane", fail_task, Ephpm_Octane_fail_task, arginfo_Ephpm_Octane_fail_task)
	ZEND_NS_FALIAS("Ephpm\\Octane", take_tick, Ephpm_Octane_take_tick, arginfo_Ephpm_Octane_take_tick)
	ZEND_NS_FALIAS("Ephpm\\Octane", run_tasks, Ephpm_Octane_run_tasks, arginfo_Ephpm_Octane_run_tasks)
	ZEND_NS_FALIAS("Ephpm\\Octane", dispatch_tasks, Ephpm_Octane_dispatch_tasks, arginfo_Ephpm_Octane_dispatch_tasks)
	ZEND_FE_END
};


static const zend_function_entry class_Ephpm_Octane_TaskFailed_methods[] = {
	ZEND_FE_END
};


static const zend_function_entry class_Ephpm_Octane_TaskWorkerDied_methods[] = {
	ZEND_FE_END
};


static const zend_function_entry class_Ephpm_Octane_TaskTimeout_methods[] = {
	ZEND_FE_END
};


static const zend_function_entry class_Ephpm_Octane_TaskQueueFull_methods[] = {
	ZEND_FE_END
};

static zend_class_entry *register_class_Ephpm_Octane_TaskFailed(zend_class_entry *class_entry_RuntimeException)
{
	zend_class_entry ce, *class_entry;

	INIT_NS_CLASS_ENTRY(ce, "Ephpm\\Octane", "TaskFailed", class_Ephpm_Octane_TaskFailed_methods);
	class_entry = zend_register_internal_class_ex(&ce, class_entry_RuntimeException);

	zval property_originalClass_default_value;
	ZVAL_EMPTY_STRING(&property_originalClass_default_value);
	zend_string *property_originalClass_name = zend_string_init("originalClass", sizeof("originalClass") - 1, 1);
	zend_declare_property_ex(class_entry, property_originalClass_name, &property_originalClass_default_value, ZEND_ACC_PUBLIC, NULL);
	zend_string_release(property_originalClass_name);

	zval property_originalTrace_default_value;
	ZVAL_EMPTY_STRING(&property_originalTrace_default_value);
	zend_string *property_originalTrace_name = zend_string_init("originalTrace", sizeof("originalTrace") - 1, 1);
	zend_declare_property_ex(class_entry, property_originalTrace_name, &property_originalTrace_default_value, ZEND_ACC_PUBLIC, NULL);
	zend_string_release(property_originalTrace_name);

	return class_entry;
}

static zend_class_entry *register_class_Ephpm_Octane_TaskWorkerDied(zend_class_entry *class_entry_Ephpm_Octane_TaskFailed)
{
	zend_class_entry ce, *class_entry;

	INIT_NS_CLASS_ENTRY(ce, "Ephpm\\Octane", "TaskWorkerDied", class_Ephpm_Octane_TaskWorkerDied_methods);
	class_entry = zend_register_internal_class_ex(&ce, class_entry_Ephpm_Octane_TaskFailed);

	return class_entry;
}

static zend_class_entry *register_class_Ephpm_Octane_TaskTimeout(zend_class_entry *class_entry_RuntimeException)
{
	zend_class_entry ce, *class_entry;

	INIT_NS_CLASS_ENTRY(ce, "Ephpm\\Octane", "TaskTimeout", class_Ephpm_Octane_TaskTimeout_methods);
	class_entry = zend_register_internal_class_ex(&ce, class_entry_RuntimeException);

	return class_entry;
}

static zend_class_entry *register_class_Ephpm_Octane_TaskQueueFull(zend_class_entry *class_entry_RuntimeException)
{
	zend_class_entry ce, *class_entry;

	INIT_NS_CLASS_ENTRY(ce, "Ephpm\\Octane", "TaskQueueFull", class_Ephpm_Octane_TaskQueueFull_methods);
	class_entry = zend_register_internal_class_ex(&ce, class_entry_RuntimeException);

	zval property_acceptedKeys_default_value;
	ZVAL_NULL(&property_acceptedKeys_default_value);
	zend_string *property_acceptedKeys_name = zend_string_init("acceptedKeys", sizeof("acceptedKeys") - 1, 1);
	zend_declare_property_ex(class_entry, property_acceptedKeys_name, &property_acceptedKeys_default_value, ZEND_ACC_PUBLIC, NULL);
	zend_string_release(property_acceptedKeys_name);

	zval property_rejectedKeys_default_value;
	ZVAL_NULL(&property_rejectedKeys_default_value);
	zend_string *property_rejectedKeys_name = zend_string_init("rejectedKeys", sizeof("rejectedKeys") - 1, 1);
	zend_declare_property_ex(class_entry, property_rejectedKeys_name, &property_rejectedKeys_default_value, ZEND_ACC_PUBLIC, NULL);
	zend_string_release(property_rejectedKeys_name);

	return class_entry;
}
