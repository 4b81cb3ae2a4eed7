def handler(event, context):
    return {
        "function": context.function_name,
        "request_id": context.aws_request_id,
        "time_left": context.get_remaining_time_in_millis() > 0,
        "event": event,
    }
